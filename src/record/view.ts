/**
 * The views the screens show, selected from a {@link RunRecord}: plain data, a fresh object per
 * call (the terminal UI selects once per frame), no clock and no I/O. The deployment view is
 * also what the final screen and the reporters summarise.
 */
import { own } from '../core/own.js';
import { isAdvice } from './advice.js';
import type {
  Choice,
  Outcome,
  PendingDecision,
  Phase,
  ServiceState,
  Verdict,
  WatchVerdict,
} from './facts.js';
import type { CheckRow, DownRow, ProbeRow, RollbackRow, RunRecord, StageRow } from './fold.js';

export type { RollbackRow } from './fold.js';
export type { Choice, PendingDecision } from './facts.js';

/** One service row on screen. */
export interface ServiceView {
  name: string;
  stage: string;
  group: string;
  kind: 'activate' | 'process';
  state: ServiceState;
  attempt: number;
  maxAttempts: number;
  startedAt?: number;
  finishedAt?: number;
  lastProbe?: ProbeRow;
  verdict?: Verdict;
  reason?: string;
  /** An instance of a placed service: the service, its host and the batch it was released in. */
  placement?: { service: string; host: string; batch?: number; of?: number };
}

/** One stage (or display group) row on screen. */
export type StageView = StageRow;

/** The phase shown: a pending prompt wins over the running phase. */
export type ViewPhase = Phase | 'awaiting-decision';

/** The outcome with the exit code the CLI returns for it. */
export type ResultView = Outcome & { exitCode: number };

/** Maps an outcome to the exit code the CLI will return (src/cli owns the map). */
export type ExitCodeOf = (outcome: Outcome) => number;

/** Everything the deployment screen needs. */
export interface DeploymentView {
  deploymentId: string;
  project: string;
  environment: string;
  phase: ViewPhase;
  startedAt: number;
  /** The display groups: the stages, or the dependency layers of an implicit plan. */
  stages: StageView[];
  /** Whether the stages are gates (explicit `stages:`) or only display groups. */
  explicitStages: boolean;
  /** In plan order. */
  services: ServiceView[];
  pendingDecision?: PendingDecision;
  /** Once the run is over, without the advice that held only while it ran. */
  warnings: string[];
  /** Decisions answered from another terminal (`stagecraft decide`): what, and by whom. */
  answeredElsewhere: string[];
  /** The watch window after verification, once it began. */
  watch?: {
    services: number;
    windowMs: number;
    startedAt: number;
    failing: string[];
    verdict?: WatchVerdict;
  };
  checks: CheckRow[];
  interrupts: number;
  /** Rollback steps the operator marked resolved (the outcome counts them as restored). */
  resolvedByHand: string[];
  result?: ResultView;
}

/** How an answer given with `stagecraft decide` names who gave it (`alice@ci-7 (decide)`). */
export const REMOTE_SUFFIX = ' (decide)';

/** The warnings to show: advice for a running run ("press Ctrl-C again …") ends with it. */
function warningsOf(r: RunRecord): string[] {
  return r.outcome === undefined ? [...r.warnings] : r.warnings.filter((w) => !isAdvice(w));
}

function serviceView(r: RunRecord, name: string): ServiceView | undefined {
  const s = own(r.services, name);
  if (s === undefined) return undefined;
  const v: ServiceView = {
    name: s.name,
    stage: s.stage,
    group: s.group,
    kind: s.kind,
    state: s.state,
    attempt: s.attempt,
    maxAttempts: s.maxAttempts,
  };
  if (s.startedAt !== undefined) v.startedAt = s.startedAt;
  if (s.finishedAt !== undefined) v.finishedAt = s.finishedAt;
  if (s.lastProbe !== undefined) v.lastProbe = { ...s.lastProbe };
  if (s.verdict !== undefined) v.verdict = s.verdict;
  if (s.reason !== undefined) v.reason = s.reason;
  if (s.placement !== undefined) v.placement = { ...s.placement };
  return v;
}

/** The phase to show. */
export function viewPhase(r: RunRecord): ViewPhase {
  if (r.outcome !== undefined) return 'done';
  if (r.pendingDecision !== undefined) return 'awaiting-decision';
  return r.phase;
}

/** The deployment view of a record. */
export function selectDeploymentView(r: RunRecord, exitCodeOf: ExitCodeOf): DeploymentView {
  const view: DeploymentView = {
    deploymentId: r.deploymentId,
    project: r.project,
    environment: r.environment,
    phase: viewPhase(r),
    startedAt: r.startedAt,
    stages: r.groups.map((g) => ({ ...g, services: [...g.services] })),
    explicitStages: r.plan.stages.some((s) => s.gate),
    services: r.serviceOrder
      .map((n) => serviceView(r, n))
      .filter((s): s is ServiceView => s !== undefined),
    warnings: warningsOf(r),
    answeredElsewhere: r.decisions
      .filter((d) => d.by.endsWith(REMOTE_SUFFIX))
      .map((d) => `${d.subject}: ${d.choice}, answered by ${d.by}`),
    checks: [...r.checks],
    interrupts: r.interrupts,
    resolvedByHand: (r.rollback?.steps ?? [])
      .filter((s) => s.state === 'resolved-by-hand')
      .map((s) => s.name),
  };
  if (r.pendingDecision !== undefined) view.pendingDecision = r.pendingDecision;
  if (r.watch !== undefined)
    view.watch = {
      services: r.watch.services.length,
      windowMs: r.watch.windowMs,
      startedAt: r.watch.startedAt,
      failing: [...r.watch.failing],
      ...(r.watch.verdict === undefined ? {} : { verdict: r.watch.verdict }),
    };
  if (r.outcome !== undefined) view.result = { ...r.outcome, exitCode: exitCodeOf(r.outcome) };
  return view;
}

/** What the rollback screen shows (`stagecraft rollback`, or a resumed rollback). */
export interface RollbackView {
  phase: 'restoring' | 'awaiting-decision' | 'cleaning-up' | 'done';
  project: string;
  environment: string;
  deploymentId: string;
  target?: { release: string; from: string };
  startedAt: number;
  steps: RollbackRow[];
  cleanups: RollbackRow[];
  pendingDecision?: PendingDecision;
  warnings: string[];
  interrupts: number;
  result?: ResultView;
}

/** The rollback view of a record. */
export function selectRollbackView(r: RunRecord, exitCodeOf: ExitCodeOf): RollbackView {
  const rb = r.rollback;
  const steps = (rb?.steps ?? []).map((s) => ({ ...s }));
  const cleanups = (rb?.cleanups ?? []).map((s) => ({ ...s }));
  const cleaning = cleanups.some((c) => c.state === 'rolling-back');
  const view: RollbackView = {
    phase:
      r.outcome !== undefined
        ? 'done'
        : r.pendingDecision !== undefined
          ? 'awaiting-decision'
          : cleaning
            ? 'cleaning-up'
            : 'restoring',
    project: r.project,
    environment: r.environment,
    deploymentId: r.deploymentId,
    startedAt: r.startedAt,
    steps,
    cleanups,
    warnings: warningsOf(r),
    interrupts: r.interrupts,
  };
  if (r.target !== undefined) view.target = r.target;
  if (r.pendingDecision !== undefined) view.pendingDecision = r.pendingDecision;
  if (r.outcome !== undefined) view.result = { ...r.outcome, exitCode: exitCodeOf(r.outcome) };
  return view;
}

/** What the `down` screen shows once stopping began. */
export interface DownView {
  project: string;
  environment: string;
  rows: DownRow[];
  interrupts: number;
  result?: ResultView;
}

/** The down view of a record. */
export function selectDownView(r: RunRecord, exitCodeOf: ExitCodeOf): DownView {
  const view: DownView = {
    project: r.project,
    environment: r.environment,
    rows: r.down.map((d) => ({ ...d })),
    interrupts: r.interrupts,
  };
  if (r.outcome !== undefined) view.result = { ...r.outcome, exitCode: exitCodeOf(r.outcome) };
  return view;
}

/** Every choice's label, for one-line prompts (the reporters). */
export function choiceList(choices: readonly Choice[]): string {
  return choices.join(' | ');
}
