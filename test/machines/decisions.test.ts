import { describe, expect, it } from 'vitest';
import {
  buildDecision,
  choiceKeys,
  choiceToEvent,
  confirmStageRequest,
  eventToChoice,
  failureChoices,
  nothingDependsOn,
} from '../../src/machines/decisions.js';
import type { DecisionEvent } from '../../src/machines/events.js';
import type { Choice } from '../../src/record/facts.js';

const allChoices: Choice[] = [
  'proceed',
  'skip-stage',
  'abort',
  'retry',
  'skip',
  'rollback',
  'continue',
  'accept',
  'mark-resolved',
  'keep',
];

describe('decisions', () => {
  it('maps every choice to its decision event and back', () => {
    expect(choiceToEvent('skip-stage', 'alice')).toEqual({
      type: 'decision.skipStage',
      by: 'alice',
    });
    expect(choiceToEvent('mark-resolved', 'bob')).toEqual({
      type: 'decision.markResolved',
      by: 'bob',
    });
    for (const choice of allChoices)
      expect(eventToChoice(choiceToEvent(choice, 'x').type)).toBe(choice);
    expect(() => eventToChoice('decision.nope' as DecisionEvent['type'])).toThrow(
      'bug: unknown decision event decision.nope',
    );
  });

  it('gives every choice a key letter, unique among the choices offered together', () => {
    expect(choiceKeys).toEqual({
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
    });
    const offeredTogether: Choice[][] = [
      failureChoices({ canRetry: true, canSkip: true }),
      confirmStageRequest('app', ['api']).choices,
      ['continue', 'rollback'],
      ['accept', 'rollback'],
      ['retry', 'mark-resolved', 'abort'],
      ['rollback', 'abort'],
      ['rollback', 'keep'],
    ];
    for (const choices of offeredTogether) {
      const keys = choices.map((c) => choiceKeys[c]);
      expect(new Set(keys).size).toBe(keys.length);
    }
  });

  it('offers retry and skip after a failure only when they are valid', () => {
    expect(failureChoices({ canRetry: true, canSkip: true })).toEqual([
      'retry',
      'skip',
      'rollback',
      'abort',
    ]);
    expect(failureChoices({ canRetry: true, canSkip: false })).toEqual([
      'retry',
      'rollback',
      'abort',
    ]);
    expect(failureChoices({ canRetry: false, canSkip: false })).toEqual(['rollback', 'abort']);
  });

  it('asks before a stage with abort as the default, and without skip when a later stage needs it', () => {
    expect(confirmStageRequest('app', ['api', 'web'])).toEqual({
      kind: 'confirm-stage',
      subject: 'app',
      message: 'Start stage app (api, web)?',
      choices: ['proceed', 'skip-stage', 'abort'],
      defaultChoice: 'abort',
    });
    expect(confirmStageRequest('empty', [], false)).toMatchObject({
      message: 'Start stage empty (no services)?',
      choices: ['proceed', 'abort'],
    });
  });

  it('builds a pending decision with an id from its sequence number and an absolute deadline', () => {
    const request = confirmStageRequest('app', ['api']);
    expect(buildDecision(request, 3, 1_000, 60_000)).toEqual({
      id: 'd3',
      ...request,
      deadline: 61_000,
    });
  });

  it('tells whether anything depends on a service', () => {
    const services = { db: { dependsOn: [] }, api: { dependsOn: ['db'] } };
    expect(nothingDependsOn('api', services)).toBe(true);
    expect(nothingDependsOn('db', services)).toBe(false);
  });
});
