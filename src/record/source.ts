/**
 * A running run as its presenters see it — the terminal UI and the reporters alike: the record
 * of the facts journaled so far, a notification after each one, and the way to steer the run.
 */
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

/** An operator's (or policy's, or timeout's) decision. Always sent to the root actor. */
export type DecisionEvent =
  | { type: 'decision.proceed'; by: string }
  | { type: 'decision.skipStage'; by: string }
  | { type: 'decision.abort'; by: string }
  | { type: 'decision.retry'; by: string }
  | { type: 'decision.skip'; by: string }
  | { type: 'decision.rollback'; by: string }
  | { type: 'decision.continue'; by: string }
  | { type: 'decision.accept'; by: string }
  | { type: 'decision.markResolved'; by: string }
  | { type: 'decision.keep'; by: string };

/**
 * SIGINT/SIGTERM (or Ctrl-C in the UI). The first stops starting anything new and applies the
 * failure policy; the second leaves things as they are. Every root statechart accepts it.
 */
export interface InterruptEvent {
  type: 'run.interrupt';
}

/** What the operator (or the runtime on the operator's behalf) sends a running root actor. */
export type OperatorEvent = DecisionEvent | InterruptEvent;
