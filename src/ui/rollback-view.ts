/**
 * The rollback screen's view model, derived purely from a rollback actor's snapshot (its value
 * and context). `stagecraft rollback` runs the rollback machine as the root actor, where it sends
 * no progress events to a parent: everything the screen shows is read back from the context.
 */
import type { RollbackContext, RollbackOutput } from '../machines/rollback-types.js';
import type { PendingDecision } from '../machines/selectors.js';

/** A rollback step's (service's) state on screen. */
export type RollbackStepState =
  'pending' | 'rolling-back' | 'restored' | 'failed' | 'resolved-by-hand' | 'not-attempted';

/** A `prepare` cleanup's state on screen. */
export type RollbackCleanupState = 'pending' | 'running' | 'done' | 'failed' | 'not-attempted';

/** One row. */
export interface RollbackRowView<S extends string> {
  name: string;
  state: S;
  /** 1-based attempt of the current step or cleanup (0 when not started). */
  attempt: number;
  reason?: string;
}

/** What the rollback screen shows. */
export interface RollbackView {
  phase: 'restoring' | 'awaiting-decision' | 'cleaning-up' | 'done';
  steps: Array<RollbackRowView<RollbackStepState>>;
  cleanups: Array<RollbackRowView<RollbackCleanupState>>;
  /** Automatic retries of a failing step (policy.retries). */
  retries: number;
  /** The rollback-step decision, when one is pending. */
  pendingDecision?: PendingDecision;
  /** Set once the rollback is over. */
  output?: RollbackOutput;
}

/** The part of a rollback actor's snapshot the screen reads. */
export interface RollbackSnapshotLike {
  status: string;
  value: unknown;
  context: RollbackContext;
  output?: RollbackOutput | undefined;
}

const notAttempted = (reason: string): boolean => reason.startsWith('not attempted');

/** The screen's view of a rollback snapshot (pure; no clock, no I/O). */
export function selectRollbackView(snapshot: RollbackSnapshotLike): RollbackView {
  const c = snapshot.context;
  const value = String(snapshot.value);
  const phase: RollbackView['phase'] =
    snapshot.status === 'done' || value === 'done'
      ? 'done'
      : value === 'awaitingDecision'
        ? 'awaiting-decision'
        : value === 'cleaningUp'
          ? 'cleaning-up'
          : 'restoring';
  const failedBy = new Map(c.notRestored.map((n) => [n.name, n.reason]));
  const restored = new Set(c.restored);
  const byHand = new Set(c.resolvedByHand);

  const steps = c.steps.map((step, i): RollbackRowView<RollbackStepState> => {
    const name = step.service.name;
    const reason = failedBy.get(name);
    const current = i === c.stepIndex && phase !== 'done';
    const attempt = i < c.stepIndex || current ? c.attempt : 0;
    if (byHand.has(name)) return { name, state: 'resolved-by-hand', attempt };
    if (restored.has(name)) return { name, state: 'restored', attempt };
    if (reason !== undefined)
      return { name, state: notAttempted(reason) ? 'not-attempted' : 'failed', attempt, reason };
    if (current && phase === 'awaiting-decision')
      return { name, state: 'failed', attempt, reason: c.lastFailure ?? 'failed' };
    if (current && phase === 'restoring')
      return {
        name,
        state: 'rolling-back',
        attempt,
        ...(c.lastFailure === undefined ? {} : { reason: c.lastFailure }),
      };
    return { name, state: 'pending', attempt: 0 };
  });

  const cleanups = c.cleanups.map((k, i): RollbackRowView<RollbackCleanupState> => {
    const name = `prepare.${k.name}`;
    const reason = failedBy.get(name);
    if (restored.has(name)) return { name, state: 'done', attempt: 0 };
    if (reason !== undefined)
      return { name, state: notAttempted(reason) ? 'not-attempted' : 'failed', attempt: 0, reason };
    if (i === c.cleanupIndex && phase === 'cleaning-up')
      return { name, state: 'running', attempt: c.attempt };
    return { name, state: 'pending', attempt: 0 };
  });

  const view: RollbackView = { phase, steps, cleanups, retries: c.retries };
  const failing = c.steps[c.stepIndex]?.service.name;
  if (phase === 'awaiting-decision' && failing !== undefined) {
    view.pendingDecision = {
      // One id per failed attempt: a retry that fails again is a new decision.
      id: `rollback-${c.stepIndex}-${c.attempt}`,
      kind: 'rollback-step',
      subject: failing,
      message: c.lastFailure ?? `rollback of ${failing} failed`,
      choices: ['retry', 'mark-resolved', 'abort'],
      defaultChoice: 'abort',
      deadline: c.decisionDeadline ?? 0,
    };
  }
  if (phase === 'done') {
    view.output = snapshot.output ?? {
      complete: !c.aborted && c.notRestored.length === 0,
      restored: c.restored,
      notRestored: c.notRestored,
      aborted: c.aborted,
    };
  }
  return view;
}

/** Rows counted per state, for the counts line (zero counts left out). */
export function countRows<S extends string>(
  rows: Array<RollbackRowView<S>>,
): Array<{ state: S; count: number }> {
  const counts = new Map<S, number>();
  for (const r of rows) counts.set(r.state, (counts.get(r.state) ?? 0) + 1);
  return [...counts].map(([state, count]) => ({ state, count }));
}
