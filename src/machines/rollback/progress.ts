/**
 * Pure helpers of the rollback machine: names of the current step, failure reasons, and the
 * facts it records about its progress.
 */
import type { Fact } from '../../record/facts.js';
import type { CommandOutcome } from '../effects.js';
import { wordFailure, type Failure } from '../../record/failures.js';
import { commandFailed, effectFailed } from '../reasons.js';
import type { ServiceOutput } from '../service/index.js';
import type { RollbackContext } from './types.js';

/** Name of the current step's service. */
export const stepName = (c: RollbackContext): string => c.steps[c.stepIndex]?.service.name ?? '?';
/** `prepare.<name>` of the current cleanup. */
const cleanupName = (c: RollbackContext): string =>
  `prepare.${c.cleanups[c.cleanupIndex]?.name ?? '?'}`;
/** Label of the current cleanup command. */
export const cleanupLabel = (c: RollbackContext): string => `${cleanupName(c)}.cleanup`;

/** A failed step or cleanup, from the actor's done or error event: its words and its data. */
export function failureOf(
  c: RollbackContext,
  event: { type: string; output?: unknown; error?: unknown },
  cleanup: boolean,
): { reason: string; failure?: Failure } {
  const label = cleanup ? cleanupLabel(c) : `rollback of ${stepName(c)}`;
  const worded = (failure: Failure) => ({ reason: wordFailure(failure), failure });
  if (event.type.startsWith('xstate.error.'))
    return worded(
      effectFailed(label, event.error instanceof Error ? event.error.message : String(event.error)),
    );
  if (cleanup) {
    const out = event.output as CommandOutcome;
    return worded(commandFailed(label, out, out.durationMs));
  }
  const out = event.output as ServiceOutput;
  return {
    reason: out.reason ?? `${label} failed`,
    ...(out.failure === undefined ? {} : { failure: out.failure }),
  };
}

/** The fact of the current step's progress. */
export function stepFact(
  c: RollbackContext,
  status: Extract<Fact, { type: 'rollback.step' }>['status'],
): Fact {
  return {
    type: 'rollback.step',
    service: stepName(c),
    status,
    attempt: c.attempt,
    ...(status === 'failed' && c.lastFailure !== undefined ? { reason: c.lastFailure } : {}),
    ...(status === 'failed' && c.lastFailureData !== undefined
      ? { failure: c.lastFailureData }
      : {}),
  };
}

/** The fact of the current cleanup's progress. */
export function cleanupFact(
  c: RollbackContext,
  status: Extract<Fact, { type: 'rollback.cleanup' }>['status'],
): Fact {
  return {
    type: 'rollback.cleanup',
    name: cleanupName(c),
    status,
    attempt: c.attempt,
    ...(status === 'failed' && c.lastFailure !== undefined ? { reason: c.lastFailure } : {}),
    ...(status === 'failed' && c.lastFailureData !== undefined
      ? { failure: c.lastFailureData }
      : {}),
  };
}

/** Names of everything not yet attempted (after an abort), with why. */
export function remaining(
  c: RollbackContext,
  fromStep: number,
  why: string,
): Array<{ name: string; reason: string }> {
  return [
    ...c.steps.slice(fromStep).map((s) => ({ name: s.service.name, reason: why })),
    ...c.cleanups.slice(c.cleanupIndex).map((k) => ({ name: `prepare.${k.name}`, reason: why })),
  ];
}

/** The facts saying each of `rows` (from `remaining`) ends with `status`, and why. */
export function unfinishedFacts(
  rows: ReadonlyArray<{ name: string; reason: string }>,
  status: 'not-attempted' | 'interrupted',
): Fact[] {
  return rows.map((r) =>
    r.name.startsWith('prepare.')
      ? { type: 'rollback.cleanup', name: r.name, status, attempt: 0, reason: r.reason }
      : { type: 'rollback.step', service: r.name, status, attempt: 0, reason: r.reason },
  );
}
