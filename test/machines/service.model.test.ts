import { describe, expect, it } from 'vitest';
import type { AnyEventObject, AnyMachineSnapshot } from 'xstate';
import type { HealthVerdict } from '../../src/machines/health/index.js';
import { serviceMachine, type ServiceInput } from '../../src/machines/service/index.js';
import { boundService } from './bound.js';
import { exited, inertEffects } from './fake-effects.js';
import {
  allStateIds,
  possibleEvents,
  replay,
  shortestPaths,
  simplePaths,
  type ModelOptions,
} from './service-model-kit.js';
import { cmd, probe, service } from './service-test-kit.js';

/** The real machine with effects that never settle: the model's events drive it. */
const inert = boundService(inertEffects, () => undefined, { tell: false });

const verdict = (v: HealthVerdict['verdict']): HealthVerdict => ({
  verdict: v,
  reason: `${v} (model)`,
  attempts: 1,
});
const boom = new Error('adapter crashed');
const events: AnyEventObject[] = [
  { type: 'service.retry' },
  { type: 'service.skip' },
  { type: 'dependency.unhealthy', dependency: 'db' },
  { type: 'xstate.done.actor.activate', output: exited(0) },
  { type: 'xstate.done.actor.activate', output: exited(1, 'boom') },
  { type: 'xstate.error.actor.activate', error: boom },
  { type: 'xstate.after.activationRetry.service.activating.retrying' },
  { type: 'xstate.done.actor.start', output: { pid: 7, logFile: '/tmp/x.log', startedAt: 1 } },
  { type: 'xstate.error.actor.start', error: boom },
  { type: 'xstate.done.actor.stop', output: { stopped: true } },
  { type: 'xstate.error.actor.stop', error: boom },
  { type: 'xstate.done.actor.rollback', output: exited(0) },
  { type: 'xstate.done.actor.rollback', output: exited(3) },
  { type: 'xstate.error.actor.rollback', error: boom },
  { type: 'xstate.done.actor.health', output: verdict('healthy') },
  { type: 'xstate.done.actor.health', output: verdict('degraded') },
  { type: 'xstate.done.actor.health', output: verdict('unhealthy') },
  { type: 'xstate.error.actor.health', error: boom },
  { type: 'xstate.done.actor.port', output: { taken: false } },
  {
    type: 'xstate.done.actor.port',
    output: { taken: true, host: '127.0.0.1', port: 1, holder: { pid: 9 } },
  },
  { type: 'xstate.error.actor.port', error: boom },
  { type: 'xstate.done.actor.observe', output: { observed: { pid: 7, alive: true } } },
  { type: 'xstate.done.actor.observe', output: { observed: { pid: 7, alive: false } } },
  {
    type: 'xstate.done.actor.observe',
    output: {
      observed: {
        pid: 7,
        alive: true,
        port: { host: '127.0.0.1', port: 1, holder: 9, ours: false },
      },
    },
  },
  { type: 'xstate.error.actor.observe', error: boom },
  {
    type: 'xstate.done.actor.processWatch',
    output: {
      pid: 7,
      exitCode: 1,
      statusKnown: true,
      ranMs: 40,
      logFile: '/tmp/x.log',
      tail: ['boom'],
    },
  },
];

const withProbe = { health: probe(), rollback: cmd('./rollback.sh') };
const proc = { kind: 'process' as const, process: cmd('node db.js'), health: probe() };
const inputs: Record<string, ServiceInput> = {
  'deploy, activate kind with one automatic retry': {
    service: service(withProbe),
    mode: 'deploy',
    retries: 1,
  },
  'deploy, process kind': { service: service(proc), mode: 'deploy', retries: 0 },
  'deploy, resumed after a journaled activation': {
    service: service(withProbe),
    mode: 'deploy',
    retries: 0,
    resume: { activated: true },
  },
  'deploy, resumed with its process found running': {
    service: service(proc),
    mode: 'deploy',
    retries: 0,
    resume: { process: { pid: 7, logFile: '/tmp/x.log', startedAt: 1 } },
  },
  'rollback, command and probe': {
    service: service(withProbe),
    mode: 'rollback',
    retries: 0,
    rollback: { wasRunning: true, previousEnv: { RELEASE: 'old' } },
  },
  'rollback, nothing to run': { service: service(), mode: 'rollback', retries: 0 },
  'rollback, process that was running': {
    service: service(proc),
    mode: 'rollback',
    retries: 0,
    rollback: { wasRunning: true },
  },
  'rollback, process that was not running': {
    service: service(proc),
    mode: 'rollback',
    retries: 0,
    rollback: { wasRunning: false },
  },
};

/** Value, status and whether an automatic retry is left: the attempt counter itself grows forever. */
const serializeState = (s: AnyMachineSnapshot): string => {
  const c = s.context as { attempt: number; maxAttempts: number };
  return JSON.stringify([s.status, s.value, c.attempt < c.maxAttempts]);
};
const options = (input: ServiceInput): ModelOptions => ({
  input,
  events: possibleEvents(events),
  serializeState,
  limit: 2000,
});

describe('service machine model', () => {
  it('reaches every state of the service machine, and the real machine follows every path', () => {
    const visited = new Set<string>();
    const mismatches: string[] = [];
    for (const input of Object.values(inputs)) {
      const paths = shortestPaths(serviceMachine, options(input));
      for (const path of paths) {
        const result = replay(inert, input, path);
        result.visited.forEach((id) => visited.add(id));
        mismatches.push(...result.mismatches);
      }
    }
    expect(mismatches).toEqual([]);
    expect(allStateIds(serviceMachine).length).toBeGreaterThan(20);
    expect(allStateIds(serviceMachine).filter((id) => !visited.has(id))).toEqual([]);
  });

  it('replays every simple path of a deploy to a final or decision state', () => {
    const input = inputs['deploy, activate kind with one automatic retry'] as ServiceInput;
    const paths = simplePaths(serviceMachine, {
      ...options(input),
      toState: (s) => s.status === 'done' || s.matches('failed') || s.matches('unhealthy'),
    });
    // Activation (retried once), health verdicts, skip and retry: at least ten distinct paths.
    expect(paths.length).toBeGreaterThanOrEqual(10);
    const mismatches = paths.flatMap((p) => replay(inert, input, p).mismatches);
    expect(mismatches).toEqual([]);
  });

  it('never ends a model path in an error status', () => {
    for (const input of Object.values(inputs)) {
      const paths = shortestPaths(serviceMachine, options(input));
      const errored = paths.filter((p) => p.state.status === 'error');
      expect(errored.map((p) => JSON.stringify(p.state.value))).toEqual([]);
    }
  });
});
