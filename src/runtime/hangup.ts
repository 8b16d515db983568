/**
 * Whether the operator's terminal hung up (SIGHUP: an ssh connection dropped, a terminal window
 * closed) in this process. src/cli notes it; a run that is going on, or starts later, is told,
 * so that it never waits for an answer nobody can give.
 */
let hungUp = false;
const listeners = new Set<() => void>();

/** Notes that the terminal hung up and tells every listener, once. */
export function noteHangup(): void {
  if (hungUp) return;
  hungUp = true;
  for (const listener of [...listeners]) listener();
}

/** Calls `listener` when the terminal hangs up (at once if it already has); returns the unsubscribe. */
export function whenHungUp(listener: () => void): () => void {
  listeners.add(listener);
  if (hungUp) listener();
  return () => {
    listeners.delete(listener);
  };
}
