/**
 * The decision vocabulary the screens share with the statecharts: the event each choice sends,
 * and the key letter that picks it.
 */
import type { Choice } from './facts.js';
import type { DecisionEvent } from './source.js';

const eventTypeByChoice: Record<Choice, DecisionEvent['type']> = {
  proceed: 'decision.proceed',
  'skip-stage': 'decision.skipStage',
  abort: 'decision.abort',
  retry: 'decision.retry',
  skip: 'decision.skip',
  rollback: 'decision.rollback',
  continue: 'decision.continue',
  accept: 'decision.accept',
  'mark-resolved': 'decision.markResolved',
  keep: 'decision.keep',
};

/** The decision event for a choice. */
export function choiceToEvent(choice: Choice, by: string): DecisionEvent {
  return { type: eventTypeByChoice[choice], by };
}

/** The choice a decision event stands for. */
export function eventToChoice(type: DecisionEvent['type']): Choice {
  const found = (Object.keys(eventTypeByChoice) as Choice[]).find(
    (c) => eventTypeByChoice[c] === type,
  );
  if (found === undefined) throw new Error(`bug: unknown decision event ${type}`);
  return found;
}

/** Key letters; a letter repeats only across choices never offered together. */
export const choiceKeys: Record<Choice, string> = {
  retry: 'r',
  skip: 's',
  'skip-stage': 's',
  rollback: 'b',
  abort: 'a',
  proceed: 'p',
  continue: 'c',
  accept: 'y',
  'mark-resolved': 'm',
  keep: 'k',
};
