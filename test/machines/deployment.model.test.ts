import { getAdjacencyMap, getShortestPaths } from 'xstate/graph';
import type { AnyMachineSnapshot } from 'xstate';
import { describe, expect, it } from 'vitest';
import { deploymentMachine } from '../../src/machines/deployment.machine.js';
import type { DeploymentContext, DeploymentInput } from '../../src/machines/deployment-context.js';
import type { DeploymentEvent } from '../../src/machines/events.js';
import { decisionEventTypes } from '../../src/machines/events.js';
import { eventToChoice } from '../../src/machines/decisions.js';
import { plan, stage } from './deployment-fixtures.js';
import { activeIds, afterEventTypes, allStateIds } from './model-helpers.js';

const input: DeploymentInput = {
  plan: plan({
    stages: [stage('all', ['db', 'api', 'worker', 'web'])],
    policy: { onFailure: 'ask', degraded: 'ask', retries: 0, decisionTimeoutMs: 1000 },
  }),
  deploymentId: 'model',
  interactive: true,
  step: true,
};

const cmd = (exitCode: number) => ({
  exitCode,
  durationMs: 1,
  timedOut: false,
  canceled: false,
  outputTail: '',
});
const stageOut = (result: string, degraded: string[] = []) => ({
  result,
  activated: ['db'],
  degraded,
});
const verification = (readiness: string, ok = true) => ({
  integration: { ok, failures: ok ? [] : [{ name: 'e2e', detail: 'exit 1' }] },
  readiness,
  findings:
    readiness === 'ready'
      ? []
      : [
          {
            name: 'runbook',
            category: 'documentation',
            severity: 'warning',
            ok: false,
            detail: 'missing',
          },
        ],
});
const done = (id: string, output: unknown) => ({ type: `xstate.done.actor.${id}`, output });
const error = (id: string) => ({ type: `xstate.error.actor.${id}`, error: new Error('boom') });

// Everything the deployment can receive: children's results, forwarded requests, decisions, signals, delays.
const events = [
  done('prerequisites', { ok: true, checks: [] }),
  done('prerequisites', {
    ok: false,
    checks: [{ category: 'software', name: 'x', ok: false, detail: 'missing' }],
  }),
  error('prerequisites'),
  done('prepare', cmd(0)),
  done('prepare', cmd(1)),
  error('prepare'),
  done('cleanup', cmd(0)),
  done('cleanup', cmd(1)),
  done('stage', stageOut('succeeded')),
  done('stage', stageOut('succeeded', ['db'])),
  done('stage', stageOut('rollback')),
  done('stage', stageOut('abort')),
  error('stage'),
  {
    type: 'stage.failure',
    stage: 'app',
    service: 'web',
    reason: 'web failed',
    canRetry: true,
    canSkip: true,
  },
  done('verification', verification('ready')),
  done('verification', verification('ready-with-warnings')),
  done('verification', verification('ready', false)),
  error('verification'),
  done('recordRelease', { release: 'r1' }),
  error('recordRelease'),
  done('rollback', { complete: true, restored: ['db'], notRestored: [], aborted: false }),
  done('rollback', {
    complete: false,
    restored: [],
    notRestored: [{ name: 'db', reason: 'x' }],
    aborted: true,
  }),
  error('rollback'),
  { type: 'rollback.stepFailed', service: 'db', reason: 'exit 1' },
  ...decisionEventTypes.map((type) => ({ type, by: 'model' })),
  { type: 'deployment.interrupt' },
  ...afterEventTypes(deploymentMachine).map((type) => ({ type })),
] as unknown as DeploymentEvent[];

const serializeState = (s: AnyMachineSnapshot): string => {
  const c = s.context as DeploymentContext;
  // Only what guards read: a growing context (decisions, view rows) would explode the traversal.
  return JSON.stringify([
    s.value,
    c.stageIndex,
    c.prepareIndex,
    c.cleanupIndex > 0,
    c.interrupts,
    c.failure?.source === 'interrupt',
    c.result?.result,
  ]);
};

describe('deployment machine (model)', () => {
  const traversal = {
    events,
    input,
    serializeState,
    limit: 50_000,
    // A finished deployment's actor is stopped: nothing more happens to it.
    stopWhen: (s: AnyMachineSnapshot) => s.status === 'done',
  };
  const paths = getShortestPaths(deploymentMachine, traversal);

  it('reaches every state of the deployment machine', () => {
    const reached = new Set(paths.flatMap((p) => p.steps.flatMap((st) => activeIds(st.state))));
    expect(allStateIds(deploymentMachine).filter((id) => !reached.has(id))).toEqual([]);
  });

  it('answers every decision every way it offers', () => {
    const offered = new Set<string>();
    const answered = new Set<string>();
    // The adjacency map holds every transition from every reachable state (paths keep only the shortest).
    type Node = {
      state: AnyMachineSnapshot;
      transitions: Record<string, { event: { type: string }; state: AnyMachineSnapshot }>;
    };
    const adjacency = getAdjacencyMap(deploymentMachine, traversal) as unknown as Record<
      string,
      Node
    >;
    for (const node of Object.values(adjacency)) {
      const pending = (node.state.context as DeploymentContext).pendingDecision;
      if (pending === undefined) continue;
      for (const c of pending.choices) offered.add(`${pending.kind}:${c}`);
      for (const { event, state } of Object.values(node.transitions)) {
        if (!event.type.startsWith('decision.')) continue;
        const last = (state.context as DeploymentContext).decisions.at(-1);
        if (last?.id === pending.id)
          answered.add(`${pending.kind}:${eventToChoice(event.type as never)}`);
      }
    }
    expect([...answered].sort()).toEqual([...offered].sort());
    expect([...offered].sort()).toEqual(
      [
        'confirm-stage:proceed',
        'confirm-stage:skip-stage',
        'confirm-stage:abort',
        'failure:retry',
        'failure:skip',
        'failure:rollback',
        'failure:abort',
        'degraded:continue',
        'degraded:rollback',
        'readiness-warnings:accept',
        'readiness-warnings:rollback',
        'rollback-step:retry',
        'rollback-step:mark-resolved',
        'rollback-step:abort',
        'interrupted:rollback',
        'interrupted:abort',
      ].sort(),
    );
  });

  it('finishes only with a result and an exit code from PRODUCT.md §2', () => {
    const finals = paths
      .filter((p) => p.state.status === 'done')
      .map((p) => p.state.output as { result: string; exitCode: number });
    const allowed: Record<string, number[]> = {
      succeeded: [0],
      'succeeded-with-warnings': [0],
      failed: [1, 130],
      'rollback-incomplete': [3],
      aborted: [3, 130],
    };
    expect(finals.length).toBeGreaterThan(0);
    for (const f of finals) expect(allowed[f.result]).toContain(f.exitCode);
  });
});
