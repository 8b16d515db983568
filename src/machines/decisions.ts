/**
 * Building pending decisions (only valid choices, default, absolute deadline); the mapping of
 * choices to decision events is src/record/decisions.ts.
 */
import type { Choice, DecisionKind, PendingDecision } from '../record/facts.js';

export { choiceKeys, choiceToEvent, eventToChoice } from '../record/decisions.js';

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
