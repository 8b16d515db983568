/**
 * The run's gate: once closed (the environment lock was lost), no effect that changes the world
 * starts — a command, a process start or stop, a release record waits, unanswered, until the
 * statechart is stopped — while the ones already running finish. The driver waits for those
 * (the next safe point), then stops the run.
 */
export class RunGate {
  /** Why it closed. */
  closed: string | undefined;
  private inFlight = 0;
  private readonly waiting = new Set<() => void>();

  /** Runs `start` unless the gate is closed; a refused one settles only when `signal` aborts. */
  pass<T>(start: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.closed !== undefined) return parked(signal);
    this.inFlight += 1;
    return start().finally(() => {
      this.inFlight -= 1;
      if (this.inFlight === 0) for (const w of this.waiting) w();
    });
  }

  close(why: string): void {
    this.closed ??= why;
  }

  /** Resolves once nothing passed is still running, or after `boundMs`. */
  idle(boundMs: number): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiting.delete(done);
        resolve();
      };
      const timer = setTimeout(done, boundMs);
      this.waiting.add(done);
    });
  }
}

function parked<T>(signal?: AbortSignal): Promise<T> {
  return new Promise<T>((_resolve, reject) => {
    signal?.addEventListener('abort', () => reject(new Error('stopped: the lock was lost')), {
      once: true,
    });
  });
}
