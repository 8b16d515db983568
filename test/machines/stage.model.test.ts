import { getShortestPaths } from 'xstate/graph';
import type { AnyMachineSnapshot } from 'xstate';
import { describe, expect, it } from 'vitest';
import { stageMachine } from '../../src/machines/stage/index.js';
import type { StageEvent, StageInput } from '../../src/machines/stage/index.js';
import { plan, probe, service, stage } from './deployment-fixtures.js';
import { activeIds, allStateIds } from './model-helpers.js';

const services = { ...plan().services, a: service('a', 'x'), b: service('b', 'x', ['a']) };
const input: StageInput = {
  stage: stage('x', ['a', 'b'], {
    verify: [{ name: 'smoke', probe: probe('command smoke') }],
    timeoutMs: 1000,
  }),
  services,
  healthy: [],
  retries: 0,
  startedAt: 0,
};

const update = (svc: string, state: 'healthy' | 'degraded' | 'failed' | 'unhealthy') =>
  ({ type: 'service.update', service: svc, state, attempt: 1, maxAttempts: 1 }) as const;

// Events a stage can receive, including the invoke and delay events the runtime would send.
const events = [
  { type: 'stage.dispatch' },
  update('a', 'healthy'),
  update('a', 'failed'),
  update('b', 'healthy'),
  update('b', 'degraded'),
  update('b', 'unhealthy'),
  { type: 'decision.retry', by: 'model' },
  { type: 'decision.skip', by: 'model' },
  { type: 'decision.rollback', by: 'model' },
  { type: 'decision.abort', by: 'model' },
  { type: 'xstate.done.actor.verify', output: { ok: true, detail: 'exit 0', durationMs: 1 } },
  { type: 'xstate.done.actor.verify', output: { ok: false, detail: 'exit 1', durationMs: 1 } },
  { type: 'xstate.error.actor.verify', error: new Error('spawn failed') },
  { type: 'xstate.after.stageDeadline.stage.active' },
  // A service actor that threw, and a dependency lost while the stage runs.
  { type: 'xstate.error.actor.service:b', error: new Error('bug') },
  { type: 'dependency.unhealthy', dependency: 'a' },
] as unknown as StageEvent[];

const serializeState = (s: AnyMachineSnapshot): string => {
  const c = s.context as {
    states: unknown;
    failure?: { kind: string; canSkip: boolean };
    verifyIndex: number;
  };
  return JSON.stringify([s.value, c.states, c.failure?.kind, c.failure?.canSkip, c.verifyIndex]);
};

describe('stage machine (model)', () => {
  // createTestModel refuses machines with `after`; the path generator itself walks them fine.
  const paths = getShortestPaths(stageMachine, { events, input, serializeState, limit: 5000 });

  it('reaches every state of the stage machine', () => {
    const reached = new Set(paths.flatMap((p) => p.steps.flatMap((st) => activeIds(st.state))));
    expect(allStateIds(stageMachine).filter((id) => !reached.has(id))).toEqual([]);
  });

  it('answers a failure every way: retry, skip (when allowed), rollback, abort', () => {
    const answered = new Set<string>();
    for (const p of paths) {
      for (const [i, st] of p.steps.entries()) {
        const before = p.steps[i - 1]?.state;
        if (
          before === undefined ||
          !before.matches('failed') ||
          !st.event.type.startsWith('decision.')
        )
          continue;
        if (!st.state.matches('failed')) answered.add(st.event.type);
      }
    }
    expect([...answered].sort()).toEqual([
      'decision.abort',
      'decision.retry',
      'decision.rollback',
      'decision.skip',
    ]);
  });

  it('ends with the right result for each final state', () => {
    const finals = new Map<string, unknown>();
    for (const p of paths)
      if (p.state.status === 'done') finals.set(JSON.stringify(p.state.value), p.state.output);
    expect((finals.get('"succeeded"') as { result: string }).result).toBe('succeeded');
    expect((finals.get('"rollback"') as { result: string }).result).toBe('rollback');
    expect((finals.get('"abort"') as { result: string }).result).toBe('abort');
  });
});
