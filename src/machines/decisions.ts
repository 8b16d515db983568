/**
 * Building pending decisions (only valid choices, default, absolute deadline) and mapping choices
 * to decision events and back.
 */
import type { Choice, DecisionKind, PendingDecision } from '../record/facts.js';
import type { DecisionEvent } from './events.js';

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

/** Key letters (PRODUCT.md §4.4); letters repeat only across choices never offered together. */
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
};

/** What is needed to build a pending decision. */
export interface DecisionRequest {
  kind: DecisionKind;
  subject: string;
  message: string;
  choices: Choice[];
  defaultChoice: Choice;
  retry?: { n: number; cap: number };
}

/** A pending decision with an id (from a sequence number) and an absolute deadline. */
export function buildDecision(
  request: DecisionRequest,
  seq: number,
  now: number,
  timeoutMs: number,
): PendingDecision {
  return { id: `d${seq}`, ...request, deadline: now + timeoutMs };
}

/** Choices after a failure: retry and skip only when valid, then rollback and abort. */
export function failureChoices(f: { canRetry: boolean; canSkip: boolean }): Choice[] {
  const choices: Choice[] = [];
  if (f.canRetry) choices.push('retry');
  if (f.canSkip) choices.push('skip');
  choices.push('rollback', 'abort');
  return choices;
}

/** The confirmation asked before a stage; its default is abort. */
export function confirmStageRequest(
  stage: string,
  services: string[],
  canSkip = true,
): DecisionRequest {
  return {
    kind: 'confirm-stage',
    subject: stage,
    message: `Start stage ${stage} (${services.join(', ') || 'no services'})?`,
    // Skipping a stage that a later stage depends on would only stall that stage: not offered.
    choices: canSkip ? ['proceed', 'skip-stage', 'abort'] : ['proceed', 'abort'],
    defaultChoice: 'abort',
  };
}

/** Whether nothing in the plan depends on `name` (so it may be skipped). */
export function nothingDependsOn(
  name: string,
  services: Record<string, { dependsOn: string[] }>,
): boolean {
  return Object.values(services).every((s) => !s.dependsOn.includes(name));
}
