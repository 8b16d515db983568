import { getAdjacencyMap, getShortestPaths } from 'xstate/graph';
import type { AnyMachineSnapshot } from 'xstate';
import { describe, expect, it } from 'vitest';
import { exitCodeOf } from '../../src/cli/exit-codes.js';
import { eventToChoice } from '../../src/machines/decisions.js';
import {
  deploymentMachine,
  type DeploymentContext,
  type DeploymentEvent,
  type DeploymentInput,
} from '../../src/machines/deployment/index.js';
import type { DecisionEvent } from '../../src/machines/events.js';
import type { Outcome } from '../../src/record/facts.js';
import { exited } from './fake-effects.js';
import { plan, stage } from './deployment-fixtures.js';
import { activeIds, afterEventTypes, allStateIds } from './model-helpers.js';

const input: DeploymentInput = {
  plan: plan({
    stages: [stage('all', ['db', 'api', 'worker', 'web'])],
    policy: { onFailure: 'ask', degraded: 'ask', retries: 0, decisionTimeoutMs: 1000 },
    monitoring: { watchMs: 1000, onWatchFailure: 'rollback', watchIntervalMs: 100 },
  }),
  deploymentId: 'model',
  interactive: true,
  step: true,
};

const decisionTypes: Array<DecisionEvent['type']> = [
  'decision.proceed',
  'decision.skipStage',
  'decision.abort',
  'decision.retry',
  'decision.skip',
  'decision.rollback',
  'decision.continue',
  'decision.accept',
  'decision.markResolved',
];

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
const rolledBack = (complete: boolean) => ({
  complete,
  restored: complete ? ['db'] : [],
  notRestored: complete ? [] : [{ name: 'db', reason: 'x' }],
  aborted: !complete,
  interrupted: false,
});
const done = (id: string, output: unknown) => ({ type: `xstate.done.actor.${id}`, output });
const error = (id: string) => ({ type: `xstate.error.actor.${id}`, error: new Error('boom') });

// Everything the deployment can receive: its children's results and news, decisions, signals,
// delays.
const events = [
  done('prerequisites', { ok: true, checks: [] }),
  done('prerequisites', {
    ok: false,
    checks: [{ category: 'software', name: 'x', ok: false, detail: 'missing' }],
  }),
  error('prerequisites'),
  done('prepare', exited(0)),
  done('prepare', exited(1)),
  error('prepare'),
  done('cleanup', exited(0)),
  done('cleanup', exited(1)),
  error('cleanup'),
  done('stage', stageOut('succeeded')),
  done('stage', stageOut('succeeded', ['db'])),
  done('stage', stageOut('rollback')),
  done('stage', stageOut('abort')),
  error('stage'),
  {
    type: 'stage.failure',
    stage: 'all',
    service: 'web',
    reason: 'web failed',
    canRetry: true,
    canSkip: true,
  },
  { type: 'service.update', service: 'db', state: 'healthy', attempt: 1, maxAttempts: 1 },
  { type: 'monitor.unhealthy', service: 'db', reason: 'db-probe failed 3/3' },
  { type: 'monitor.error', service: 'db', reason: 'bug' },
  done('verification', verification('ready')),
  done('verification', verification('ready-with-warnings')),
  done('verification', verification('ready', false)),
  error('verification'),
  done('recordRelease', { release: 'r1' }),
  error('recordRelease'),
  done('watch', { verdict: 'healthy', alerts: [], rounds: 3 }),
  done('watch', {
    verdict: 'failed',
    failure: { service: 'api', check: 'api-probe', reason: '503', atMs: 400 },
    alerts: [],
    rounds: 1,
  }),
  done('watch', {
    verdict: 'alerted',
    alerts: [{ service: 'api', check: 'api-probe', reason: '503', atMs: 400, recoveredAtMs: 900 }],
    rounds: 3,
  }),
  error('watch'),
  done('report', { warnings: [] }),
  done('report', { warnings: ['the Pushgateway http://127.0.0.1:9/ did not answer'] }),
  error('report'),
  done('rollback', rolledBack(true)),
  done('rollback', rolledBack(false)),
  error('rollback'),
  ...decisionTypes.map((type) => ({ type, by: 'model' })),
  { type: 'run.interrupt' },
  ...afterEventTypes(deploymentMachine).map((type) => ({ type })),
] as unknown as DeploymentEvent[];

const serializeState = (s: AnyMachineSnapshot): string => {
  const c = s.context as DeploymentContext;
  // Only what guards read: a growing context (warnings, services) would explode the traversal.
  return JSON.stringify([
    s.value,
    c.stageIndex,
    c.prepareIndex,
    c.cleanupIndex > 0,
    c.interrupts,
    c.failure?.source === 'interrupt',
    c.lost.length > 0,
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

  it('answers every decision it asks every way it offers (rollback steps: the rollback model)', () => {
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
        // Answered: the prompt closed (a choice not offered leaves it open).
        const after = (state.context as DeploymentContext).pendingDecision;
        if (after?.id !== pending.id)
          answered.add(`${pending.kind}:${eventToChoice(event.type as DecisionEvent['type'])}`);
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
        'interrupted:rollback',
        'interrupted:abort',
      ].sort(),
    );
  });

  it('finishes only with a documented result and exit code', () => {
    const finals = paths
      .filter((p) => p.state.status === 'done')
      .map((p) => p.state.output as Outcome);
    const allowed: Record<string, number[]> = {
      succeeded: [0],
      'succeeded-with-warnings': [0],
      failed: [1, 130],
      'rollback-incomplete': [3],
      aborted: [3, 130],
    };
    expect(finals.length).toBeGreaterThan(0);
    expect(new Set(finals.map((f) => f.result))).toEqual(new Set(Object.keys(allowed)));
    for (const f of finals) {
      expect(allowed[f.result]).toContain(exitCodeOf(f));
      // 130 says the run was interrupted, and only then.
      if (exitCodeOf(f) === 130) expect(f.interrupted).toBe(true);
    }
  });
});
