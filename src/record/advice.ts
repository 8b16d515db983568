/**
 * Warnings that are advice for a run still going on ("press Ctrl-C again to …"): recorded like
 * any warning, shown while the run goes on, and left out of a finished run's summary, where they
 * no longer hold.
 */

/** The advice after a first interrupt, per kind of run. */
export const interruptAdvice = {
  deployment: 'interrupted: press Ctrl-C again to leave things as they are',
  rollback: 'interrupted: the rollback goes on; press Ctrl-C again to stop it where it is',
} as const;

const advice: ReadonlySet<string> = new Set(Object.values(interruptAdvice));

/** Whether a warning only advises the operator of a running run. */
export function isAdvice(message: string): boolean {
  return advice.has(message);
}
