/**
 * Pure helpers of the rollback machine: names of the current step, failure reasons, and the
 * progress events it sends to its parent.
 */
import type { CommandOutcome } from './contracts.js';
import { describeCommandFailure, describeError } from './rollback-reasons.js';
import type {
  RollbackContext,
  RollbackProgressEvent,
  ServiceRollbackOutput,
} from './rollback-types.js';

/** Name of the current step's service. */
export const stepName = (c: RollbackContext): string => c.steps[c.stepIndex]?.service.name ?? '?';
/** `prepare.<name>` of the current cleanup. */
export const cleanupName = (c: RollbackContext): string =>
  `prepare.${c.cleanups[c.cleanupIndex]?.name ?? '?'}`;
/** Label of the current cleanup command. */
export const cleanupLabel = (c: RollbackContext): string => `${cleanupName(c)}.cleanup`;

/** Reason of a failed step or cleanup, from the actor's done or error event. */
export function failureOf(
  c: RollbackContext,
  event: { type: string; output?: unknown; error?: unknown },
  cleanup: boolean,
): string {
  const label = cleanup ? cleanupLabel(c) : `rollback of ${stepName(c)}`;
  if (event.type.startsWith('xstate.error.')) return describeError(label, event.error);
  if (cleanup) return describeCommandFailure(label, event.output as CommandOutcome);
  const out = event.output as ServiceRollbackOutput;
  return out.reason ?? `${label} failed`;
}

/** Which progress event to send. */
export type ProgressKind =
  | 'step.started'
  | 'step.restored'
  | 'step.failed'
  | 'step.resolved'
  | 'decision'
  | 'cleanup.started'
  | 'cleanup.done'
  | 'cleanup.failed';

/** Builds a progress event for the parent from the context. */
export function progress(c: RollbackContext, kind: ProgressKind): RollbackProgressEvent {
  const attempt = c.attempt;
  const reason = c.lastFailure ?? 'failed';
  switch (kind) {
    case 'step.started':
      return { type: 'rollback.step', service: stepName(c), status: 'started', attempt };
    case 'step.restored':
      return { type: 'rollback.step', service: stepName(c), status: 'restored', attempt };
    case 'step.failed':
      return { type: 'rollback.step', service: stepName(c), status: 'failed', attempt, reason };
    case 'step.resolved':
      return { type: 'rollback.step', service: stepName(c), status: 'resolved-by-hand', attempt };
    case 'decision':
      return {
        type: 'rollback.stepFailed',
        service: stepName(c),
        reason,
        attempt,
        deadline: c.decisionDeadline ?? Date.now(),
      };
    case 'cleanup.started':
      return { type: 'rollback.cleanup', name: cleanupName(c), status: 'started', attempt };
    case 'cleanup.done':
      return { type: 'rollback.cleanup', name: cleanupName(c), status: 'done', attempt };
    case 'cleanup.failed':
      return { type: 'rollback.cleanup', name: cleanupName(c), status: 'failed', attempt, reason };
  }
}

/** Names of everything not yet attempted (after an abort). */
export function remaining(
  c: RollbackContext,
  fromStep: number,
): Array<{ name: string; reason: string }> {
  const why = 'not attempted: rollback aborted';
  return [
    ...c.steps.slice(fromStep).map((s) => ({ name: s.service.name, reason: why })),
    ...c.cleanups.slice(c.cleanupIndex).map((k) => ({ name: `prepare.${k.name}`, reason: why })),
  ];
}
