/**
 * What an interrupted deployment had achieved, read from its journal (and the last persisted
 * snapshot, when one was written): which services began activating and which were seen healthy,
 * which `prepare` steps completed, when each stage started, the phase it stopped in, a pending
 * decision, and the release that was live before it. Pure: easy to test on journal fixtures.
 */
import type { JournalEntry } from '../../state/journal.js';
import type { ResolvedPlan } from '../../config/plan-types.js';
import type { PreviousRelease, ResumeDeadlines } from '../../machines/deployment-context.js';
import type { PendingDecision } from '../../machines/selectors.js';

/** The facts `resume` acts on. */
export interface ResumeFacts {
  /** Services that began activating in this deployment, in order. */
  started: string[];
  /** Services whose latest journaled state was healthy or degraded. */
  seenHealthy: string[];
  /** Names of the `prepare` steps that completed. */
  prepared: string[];
  /** Epoch ms at which each stage first started running. */
  stageStarts: Record<string, number>;
  /** Stages that had finished (the next stage started, or the root left `activating`). */
  stagesFinished: string[];
  /** The stage that was running when the journal ends, if any. */
  runningStage?: string;
  /** Its absolute deadline (epoch ms): the stage actor's own, else its start + its timeout. */
  stageDeadline?: number;
  /** Top-level state of the root statechart when the journal ends. */
  phase: string;
  pendingDecision?: PendingDecision;
  /** The `previous` the deployment was started with (from its snapshot). */
  previous?: PreviousRelease;
  /** The root's final output, when the snapshot says it had finished. */
  finished?: { result: string; exitCode: number };
  /** When it stopped while rolling back: what that rollback had to undo and had undone. */
  rollback?: RollbackFacts;
}

/** An interrupted rollback, read from the snapshot (its targets) and the journal (its progress). */
export interface RollbackFacts {
  /** Services to roll back, in rollback (reverse activation) order. */
  targets: string[];
  /** Services whose rollback finished (restored, or resolved by hand). */
  restored: string[];
  /** Prepare steps whose cleanup ran. */
  cleanedUp: string[];
  /** 'all' also runs the prepare cleanups; 'failed' (policy rollback-failed) does not. */
  scope: 'all' | 'failed';
  /** Why the deployment was rolling back. */
  reason?: string;
}

type Ev = { type: string; [k: string]: unknown };
interface ChildShape {
  snapshot?: { context?: Record<string, unknown> };
}
interface SnapshotShape {
  status?: string;
  output?: { result?: string; exitCode?: number };
  context?: {
    previous?: PreviousRelease;
    pendingDecision?: PendingDecision;
    rollbackScope?: 'all' | 'failed';
    failure?: { reason?: string };
  };
  children?: Record<string, ChildShape | undefined>;
}

const isRoot = (e: JournalEntry): boolean => e.actor === 'x:0' && e.session === 'x:0';
const upStates = new Set(['healthy', 'degraded']);
const rolledBack = new Set(['restored', 'resolved-by-hand']);

/** Reads the facts from the journal entries (in seq order) and the stamped snapshot's `snapshot`. */
export function analyseJournal(
  plan: ResolvedPlan,
  entries: JournalEntry[],
  snapshot?: unknown,
): ResumeFacts {
  const started: string[] = [];
  const last = new Map<string, string>();
  const stageStarts: Record<string, number> = {};
  let phase = 'validating';
  let preparedCount = 0;
  let runPrepared = 0;
  const restored: string[] = [];
  const cleanedUp: string[] = [];
  // After `rollback.resumed` the root actor is the rollback machine itself (a resumed rollback):
  // the phase stays rollingBack and its services report `rolled-back` directly.
  let rollbackRoot = false;
  for (const e of entries) {
    if (e.type === 'resume') runPrepared = 0;
    if (e.type === 'rollback.resumed') rollbackRoot = true;
    if (e.type === 'transition' && isRoot(e) && !rollbackRoot) {
      const v = e.value;
      phase = typeof v === 'string' ? v : (Object.keys(v as object)[0] ?? phase);
    }
    if (e.type !== 'event' || !isRoot(e)) continue;
    const ev = e.event as Ev;
    if (ev.type === 'service.update') {
      const name = String(ev.service);
      const state = String(ev.state);
      if (state === 'activating' && !started.includes(name)) started.push(name);
      if (state === 'rolled-back' && !restored.includes(name)) restored.push(name);
      last.set(name, state);
    } else if (ev.type === 'stage.update' && ev.status === 'running') {
      const name = String(ev.stage);
      stageStarts[name] ??= Number(ev.at ?? e.ts);
    } else if (ev.type === 'rollback.step' && rolledBack.has(String(ev.status))) {
      if (!restored.includes(String(ev.service))) restored.push(String(ev.service));
    } else if (ev.type === 'rollback.cleanup' && ev.status === 'done') {
      cleanedUp.push(String(ev.name).replace(/^prepare\./, ''));
    } else if (ev.type === 'xstate.done.actor.prepare') {
      const out = ev.output as
        { exitCode?: number; timedOut?: boolean; canceled?: boolean } | undefined;
      if (out?.exitCode === 0 && out.timedOut !== true && out.canceled !== true) {
        runPrepared += 1;
        preparedCount = Math.max(preparedCount, runPrepared);
      }
    }
  }
  const startedStages = plan.stages
    .filter((s) => stageStarts[s.name] !== undefined)
    .map((s) => s.name);
  const beyond = phase !== 'activating' && phase !== 'validating' && phase !== 'preparing';
  const stagesFinished = startedStages.filter((_, i) => i < startedStages.length - 1 || beyond);
  const snap = (snapshot ?? {}) as SnapshotShape;
  const facts: ResumeFacts = {
    started,
    seenHealthy: started.filter((n) => upStates.has(last.get(n) ?? '')),
    prepared: plan.prepare.slice(0, preparedCount).map((p) => p.name),
    stageStarts,
    stagesFinished,
    phase,
  };
  const running = startedStages.at(-1);
  if (running !== undefined && !stagesFinished.includes(running)) {
    facts.runningStage = running;
    const deadline =
      stageDeadlineOf(snap, running) ?? stageStarts[running]! + timeoutOf(plan, running);
    facts.stageDeadline = deadline;
  }
  if (snap.context?.previous !== undefined) facts.previous = snap.context.previous;
  if (snap.context?.pendingDecision !== undefined)
    facts.pendingDecision = snap.context.pendingDecision;
  if (snap.status === 'done' && snap.output?.result !== undefined)
    facts.finished = { result: snap.output.result, exitCode: snap.output.exitCode ?? 1 };
  if (phase === 'rollingBack') facts.rollback = rollbackFacts(snap, started, restored, cleanedUp);
  return facts;
}

const timeoutOf = (plan: ResolvedPlan, stage: string): number =>
  plan.stages.find((s) => s.name === stage)?.timeoutMs ?? 0;

/** The stage actor's deadline in the snapshot, when that actor runs `stage`. */
function stageDeadlineOf(snap: SnapshotShape, stage: string): number | undefined {
  const ctx = snap.children?.stage?.snapshot?.context as
    { stage?: { name?: string }; deadline?: number } | undefined;
  return ctx?.stage?.name === stage && typeof ctx.deadline === 'number' ? ctx.deadline : undefined;
}

function rollbackFacts(
  snap: SnapshotShape,
  started: string[],
  restored: string[],
  cleanedUp: string[],
): RollbackFacts {
  const steps = snap.children?.rollback?.snapshot?.context?.steps as
    Array<{ service?: { name?: string } }> | undefined;
  // The rollback actor's own steps when the snapshot was taken during the rollback; otherwise
  // everything this deployment started, in reverse (the journal's order).
  const targets =
    steps?.map((s) => s.service?.name ?? '').filter((n) => n !== '') ?? [...started].reverse();
  const scope = steps === undefined ? 'all' : (snap.context?.rollbackScope ?? 'all');
  const reason = snap.context?.failure?.reason;
  return { targets, restored, cleanedUp, scope, ...(reason === undefined ? {} : { reason }) };
}

/**
 * The deadlines `resume` re-arms, from the journal's absolute times: the running stage keeps its
 * deadline, and the decision that was pending keeps its own when it is asked again.
 */
export function resumeDeadlines(facts: ResumeFacts): ResumeDeadlines | undefined {
  const d = facts.pendingDecision;
  const out: ResumeDeadlines = {
    ...(facts.runningStage === undefined || facts.stageDeadline === undefined
      ? {}
      : { stage: facts.runningStage, stageDeadline: facts.stageDeadline }),
    ...(d === undefined
      ? {}
      : { decisionDeadline: d.deadline, decision: { kind: d.kind, subject: d.subject } }),
  };
  return Object.keys(out).length === 0 ? undefined : out;
}
