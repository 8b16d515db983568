/**
 * A running run as its presenters see it — the terminal UI and the reporters alike: the record
 * of the facts journaled so far, a notification after each one, and the way to steer the run.
 */
import type { OperatorEvent } from '../machines/events.js';
import type { StampedFact } from './facts.js';
import type { RunRecord } from './fold.js';

/** What the screens and reporters read of a running run, and how they steer it. */
export interface ViewSource {
  /** The run's record: every journaled fact so far, folded. Read-only for consumers. */
  record(): RunRecord;
  /** Calls `listener` after each fact is journaled and folded; returns the unsubscribe. */
  subscribe(listener: (fact: StampedFact) => void): () => void;
  /** Sends a decision or an interrupt to the root statechart (a key press, a signal). */
  send(event: OperatorEvent): void;
}
