/**
 * A clock for simulations: timers fire in the order of their virtual deadlines as soon as the
 * run is idle (every pending promise callback has run), so a walk through retry intervals, probe
 * backoffs and decision deadlines takes milliseconds and never sleeps. XState schedules every
 * `after` delay through the clock it is given (`createActor(logic, { clock })`).
 */
import type { ActorOptions, AnyActorLogic } from 'xstate';

type Clock = NonNullable<ActorOptions<AnyActorLogic>['clock']>;

interface Timer {
  id: number;
  at: number;
  fn: () => void;
}

/** A virtual-time clock; `fired` counts the timers it ran (a bound for the caller). */
export class FastClock implements Clock {
  private now = 0;
  private seq = 0;
  private timers: Timer[] = [];
  private pumping = false;
  fired = 0;

  setTimeout(fn: (...args: unknown[]) => void, timeout: number): number {
    this.seq += 1;
    this.timers.push({ id: this.seq, at: this.now + Math.max(0, timeout), fn });
    this.schedule();
    return this.seq;
  }

  clearTimeout(id: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== id);
  }

  /** Nothing is scheduled: without an outside event, nothing more happens. */
  idle(): boolean {
    return this.timers.length === 0 && !this.pumping;
  }

  /** Stops firing: what is left is dropped. */
  stop(): void {
    this.timers = [];
  }

  private schedule(): void {
    if (this.pumping) return;
    this.pumping = true;
    // setImmediate runs after every queued promise callback: the run has settled in this instant.
    setImmediate(() => {
      this.pumping = false;
      this.fireNext();
    });
  }

  private fireNext(): void {
    if (this.timers.length === 0) return;
    let next = this.timers[0] as Timer;
    for (const t of this.timers)
      if (t.at < next.at || (t.at === next.at && t.id < next.id)) next = t;
    this.timers = this.timers.filter((t) => t !== next);
    this.now = next.at;
    this.fired += 1;
    next.fn();
    if (this.timers.length > 0) this.schedule();
  }
}
