/**
 * The listeners of a run (the terminal UI, the line and JSON reporters, a test's observer),
 * each isolated from the deployment: a listener that throws is reported once, masked, and
 * detached; the facts keep being journaled and the other listeners keep being told. A broken
 * screen must never turn a deployment half done into an "internal error".
 */
import { errorMessage } from '../core/errors.js';
import type { Masker } from '../core/mask.js';
import type { StampedFact } from '../record/facts.js';

/** A listener of the run's facts. */
export type FactListener = (fact: StampedFact) => void;

/** The set of a run's listeners and how one that fails is reported. */
export class RunListeners {
  private readonly listeners = new Set<FactListener>();

  constructor(
    private readonly mask: Masker,
    private readonly report: (line: string) => void,
  ) {}

  /** Adds `listener`; returns the unsubscribe. */
  add(listener: FactListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Tells every listener about `fact`; one that throws is reported and detached. */
  publish(fact: StampedFact): void {
    for (const listener of [...this.listeners]) {
      if (!this.listeners.has(listener)) continue;
      try {
        listener(fact);
      } catch (error) {
        this.detach(listener, error, `on ${fact.type}`);
      }
    }
  }

  /** Reports a presenter that failed outside a listener (its `finish`), once. */
  failed(error: unknown, when: string): void {
    this.say(error, when);
  }

  private detach(listener: FactListener, error: unknown, when: string): void {
    this.listeners.delete(listener);
    this.say(error, when);
  }

  private say(error: unknown, when: string): void {
    const message = this.mask.text(errorMessage(error).split('\n', 1)[0] ?? '');
    try {
      this.report(
        `stagecraft: the run's output failed ${when} (${message}) and was detached; the run goes on, the exit code tells its outcome (this is a bug, please report it)\n`,
      );
    } catch {
      // Nowhere left to say it: the run still goes on.
    }
  }
}
