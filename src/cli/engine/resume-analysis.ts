/**
 * What an interrupted deployment had achieved, read from its journal (and the last persisted
 * snapshot, when one was written): which services began activating and which were seen healthy,
 * which `prepare` steps completed, when each stage started, the phase it stopped in, a pending
 * decision, and the release that was live before it. Pure: easy to test on journal fixtures.
 */
import type { JournalEntry } from '../../adapters/journal.js';
import type { ResolvedPlan } from '../../config/plan-types.js';
import type { PreviousRelease } from '../../machines/deployment-context.js';
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
  /** Top-level state of the root statechart when the journal ends. */
  phase: string;
  pendingDecision?: PendingDecision;
  /** The `previous` the deployment was started with (from its snapshot). */
  previous?: PreviousRelease;
  /** The root's final output, when the snapshot says it had finished. */
  finished?: { result: string; exitCode: number };
}

type Ev = { type: string; [k: string]: unknown };
interface SnapshotShape {
  status?: string;
  output?: { result?: string; exitCode?: number };
  context?: { previous?: PreviousRelease; pendingDecision?: PendingDecision };
}

const isRoot = (e: JournalEntry): boolean => e.actor === 'x:0' && e.session === 'x:0';
const upStates = new Set(['healthy', 'degraded']);

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
  for (const e of entries) {
    if (e.type === 'resume') runPrepared = 0;
    if (e.type === 'transition' && isRoot(e)) {
      const v = e.value;
      phase = typeof v === 'string' ? v : (Object.keys(v as object)[0] ?? phase);
    }
    if (e.type !== 'event' || !isRoot(e)) continue;
    const ev = e.event as Ev;
    if (ev.type === 'service.update') {
      const name = String(ev.service);
      const state = String(ev.state);
      if (state === 'activating' && !started.includes(name)) started.push(name);
      last.set(name, state);
    } else if (ev.type === 'stage.update' && ev.status === 'running') {
      const name = String(ev.stage);
      stageStarts[name] ??= Number(ev.at ?? e.ts);
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
  if (snap.context?.previous !== undefined) facts.previous = snap.context.previous;
  if (snap.context?.pendingDecision !== undefined)
    facts.pendingDecision = snap.context.pendingDecision;
  if (snap.status === 'done' && snap.output?.result !== undefined)
    facts.finished = { result: snap.output.result, exitCode: snap.output.exitCode ?? 1 };
  return facts;
}

/**
 * The plan to resume with: the stage that was running when the deployment stopped keeps its
 * ABSOLUTE deadline (started + timeout), so its timeout becomes what is left of it; stages that
 * finished, or never started, keep theirs. Nothing else changes (the config hash included).
 */
export function rearmDeadlines(plan: ResolvedPlan, facts: ResumeFacts, now: number): ResolvedPlan {
  const stages = plan.stages.map((s) => {
    const at = facts.stageStarts[s.name];
    if (at === undefined || facts.stagesFinished.includes(s.name)) return s;
    return { ...s, timeoutMs: Math.max(1, at + s.timeoutMs - now) };
  });
  return { ...plan, stages };
}
