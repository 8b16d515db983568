import { describe, expect, test } from 'vitest';
import type { StampedFact } from '../../src/record/facts.js';
import { pathTaken } from '../../src/record/path-taken.js';

const at = (ts: number, f: Record<string, unknown>): StampedFact => ({ ...f, ts }) as StampedFact;

describe('the path a deployment took, from its facts', () => {
  test('phases, stages and prompts map onto the statechart states, with the time in each and who decided', () => {
    const facts: StampedFact[] = [
      at(0, { type: 'phase', phase: 'validating' }),
      at(10, { type: 'phase', phase: 'preparing' }),
      at(20, { type: 'phase', phase: 'activating' }),
      at(20, { type: 'stage.status', stage: 'all', status: 'running' }),
      at(100, {
        type: 'decision.requested',
        decision: {
          id: 'd1',
          kind: 'failure',
          subject: 'api',
          message: '',
          choices: ['retry', 'rollback'],
          defaultChoice: 'rollback',
          deadline: 0,
        },
      }),
      at(400, {
        type: 'decision.taken',
        id: 'd1',
        kind: 'failure',
        subject: 'api',
        choice: 'retry',
        by: 'alice',
        at: 400,
      }),
      at(500, {
        type: 'decision.requested',
        decision: {
          id: 'd2',
          kind: 'failure',
          subject: 'api',
          message: '',
          choices: ['retry', 'rollback'],
          defaultChoice: 'rollback',
          deadline: 0,
        },
      }),
      at(600, {
        type: 'decision.taken',
        id: 'd2',
        kind: 'failure',
        subject: 'api',
        choice: 'rollback',
        by: 'timeout',
        at: 600,
      }),
      at(600, { type: 'phase', phase: 'rolling-back' }),
      at(900, { type: 'phase', phase: 'done' }),
    ];
    const p = pathTaken(facts);
    expect(p.entered.map((e) => e.state)).toEqual([
      'deployment.validating',
      'deployment.preparing',
      'deployment.activating',
      'deployment.activating.running',
      'deployment.activating.running.working',
      'deployment.activating.running.deciding',
      'deployment.activating.running.working',
      'deployment.activating.running.deciding',
      'deployment.rollingBack',
      'deployment.done',
      'deployment.finished',
    ]);
    expect(p.time['deployment.activating.running.deciding']).toEqual({ ms: 400, visits: 2 });
    expect(p.time['deployment.activating.running.working']).toEqual({ ms: 180, visits: 2 });
    expect(p.time['deployment.activating']).toEqual({ ms: 580, visits: 1 });
    expect(p.time['deployment.rollingBack']).toEqual({ ms: 300, visits: 1 });
    expect(p.decisions.map((d) => `${d.choice} by ${d.by}`)).toEqual([
      'retry by alice',
      'rollback by timeout',
    ]);
  });

  test('a failure prompt outside a stage is the deployment-level deciding state', () => {
    const p = pathTaken([
      at(0, { type: 'phase', phase: 'verifying' }),
      at(5, {
        type: 'decision.requested',
        decision: {
          id: 'd1',
          kind: 'failure',
          subject: 'smoke',
          message: '',
          choices: ['rollback'],
          defaultChoice: 'rollback',
          deadline: 0,
        },
      }),
    ]);
    expect(p.entered.map((e) => e.state)).toEqual([
      'deployment.verifying',
      'deployment.verifying.checking',
      'deployment.deciding',
    ]);
  });
});
