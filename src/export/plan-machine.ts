import { createMachine, type AnyStateMachine } from 'xstate';
import type { ResolvedPlan, ServiceSpec, StageSpec } from '../config/plan-types.js';
import { own } from '../core/own.js';
import { hasGate } from './plan-facts.js';

type Config = Record<string, unknown>;

/** A state key that is safe as part of an id in every format (no dots, no `#`, no spaces). */
const keyOf = (name: string): string => name.replace(/[^A-Za-z0-9_-]/g, '_');
const ROOT = 'plan';

/**
 * Keys are data: the state key of each name (`prefix` + {@link keyOf}), distinct from one another
 * and from the states the plan machine adds beside them (a final `done`). Without it a service
 * named `done` was replaced by the final state, and `a.b` and `a_b` became one state. The same
 * names in the same order give the same keys.
 */
function stateKeys(names: readonly string[], prefix = ''): (name: string) => string {
  const keys = new Map<string, string>();
  const used = new Set(['done']);
  for (const name of names) {
    if (keys.has(name)) continue;
    const base = `${prefix}${keyOf(name)}`;
    let key = base;
    for (let n = 2; used.has(key); n++) key = `${base}-${n}`;
    used.add(key);
    keys.set(name, key);
  }
  return (name) => keys.get(name) ?? `${prefix}${keyOf(name)}`;
}

/**
 * The plan as a statechart (for SCXML and Stately JSON): validating → preparing (one state per
 * step) → one state per stage (confirmation gate, then its services — a parallel region each,
 * waiting on their dependencies, or one after another — then its verify checks) → verifying →
 * finalizing → succeeded. Any failure goes to `failure`, which follows `policy.onFailure`
 * (ask: a decision; rollback: the services in rollback order, then the prepare cleanups; abort).
 * Invoked actors are named after the effects the real machines run.
 */
export function planMachine(plan: ResolvedPlan): AnyStateMachine {
  const stageKey = stateKeys(
    plan.stages.map((s) => s.name),
    'stage-',
  );
  const stageKeys = plan.stages.map((s) => stageKey(s.name));
  const after = (i: number): string => stageKeys[i + 1] ?? 'verifying';
  const prepareKey = stateKeys(plan.prepare.map((p) => p.name));
  const states: Config = {
    validating: {
      invoke: {
        id: 'prerequisites',
        src: 'checkPrerequisites',
        onDone: 'preparing',
        onError: 'failed',
      },
    },
    preparing: sequence(
      plan.prepare.map((p) => [prepareKey(p.name), { id: `prepare-${p.name}`, src: 'runCommand' }]),
      stageKeys[0] ?? 'verifying',
      `#${ROOT}.failed`,
    ),
  };
  plan.stages.forEach((stage, i) => {
    const key = stageKeys[i] ?? '';
    states[key] = stageState(plan, stage, after(i));
  });
  states.verifying = {
    invoke: { id: 'verification', src: 'verification', onDone: 'finalizing', onError: 'failure' },
  };
  states.finalizing = {
    invoke: { id: 'recordRelease', src: 'recordRelease', onDone: 'succeeded', onError: 'failure' },
  };
  states.succeeded = { type: 'final' };
  const toRollback = plan.policy.onFailure === 'abort' ? 'aborted' : 'rollingBack';
  states.failure =
    plan.policy.onFailure === 'ask'
      ? {
          on: { 'decision.rollback': 'rollingBack', 'decision.abort': 'aborted' },
          after: { [plan.policy.decisionTimeoutMs]: 'rollingBack' },
        }
      : { always: toRollback };
  const rollbackKey = stateKeys(plan.rollbackOrder, 'rollback-');
  const cleanupKey = stateKeys(
    plan.prepare.map((p) => p.name),
    'cleanup-',
  );
  const steps: Array<[string, Config]> = [
    ...plan.rollbackOrder.map((name): [string, Config] => [
      rollbackKey(name),
      { id: `rollback-${name}`, src: 'serviceRollback' },
    ]),
    ...[...plan.prepare]
      .reverse()
      .filter((p) => p.cleanup)
      .map((p): [string, Config] => [
        cleanupKey(p.name),
        { id: `cleanup-${p.name}`, src: 'runCommand' },
      ]),
  ];
  states.rollingBack = sequence(steps, 'rolledBack', null);
  states.rolledBack = { type: 'final' };
  states.aborted = { type: 'final' };
  states.failed = { type: 'final' };
  return createMachine({ id: ROOT, initial: 'validating', states } as Parameters<
    typeof createMachine
  >[0]);
}

/**
 * A compound state running `steps` one after another, then `next`; an error goes to `onError`
 * (`null`: on to the next step, as a rollback records what failed and goes on).
 */
function sequence(steps: Array<[string, Config]>, next: string, onError: string | null): Config {
  if (steps.length === 0) return { always: next };
  const states: Config = {};
  steps.forEach(([key, invoke], i) => {
    const following = steps[i + 1]?.[0] ?? 'done';
    states[key] = { invoke: { ...invoke, onDone: following, onError: onError ?? following } };
  });
  states.done = { type: 'final' };
  return { initial: steps[0]?.[0], states, onDone: next };
}

function stageState(plan: ResolvedPlan, stage: StageSpec, next: string): Config {
  const specs = stage.services
    .map((n) => own(plan.services, n))
    .filter((s): s is ServiceSpec => s !== undefined);
  const fail = `#${ROOT}.failure`;
  const members = new Set(stage.services);
  const states: Config = {};
  if (hasGate(plan, stage)) {
    states.confirm = {
      on: {
        'decision.proceed': 'services',
        'decision.skipStage': `#${ROOT}.${next}`,
        'decision.abort': `#${ROOT}.aborted`,
      },
    };
  }
  const afterServices = stage.verify.length > 0 ? 'verify' : 'done';
  const key = stateKeys(specs.map((s) => s.name));
  if (stage.parallel) {
    const regions: Config = {};
    for (const s of specs) regions[key(s.name)] = serviceState(s, stage, members, fail);
    states.services =
      specs.length > 0
        ? { type: 'parallel', states: regions, onDone: afterServices }
        : { always: afterServices };
  } else {
    const seq: Config = {};
    specs.forEach((s, i) => {
      seq[key(s.name)] = {
        ...serviceState(s, stage, members, fail),
        onDone: specs[i + 1] ? key(specs[i + 1]?.name ?? '') : 'done',
      };
    });
    seq.done = { type: 'final' };
    states.services =
      specs.length > 0
        ? { initial: key(specs[0]?.name ?? ''), states: seq, onDone: afterServices }
        : { always: afterServices };
  }
  if (stage.verify.length > 0) {
    const verifyKey = stateKeys(stage.verify.map((v) => v.name));
    states.verify = sequence(
      stage.verify.map((v) => [verifyKey(v.name), { id: `verify-${v.name}`, src: 'runProbe' }]),
      'done',
      fail,
    );
  }
  states.done = { type: 'final' };
  return {
    initial: hasGate(plan, stage) ? 'confirm' : 'services',
    states,
    onDone: `#${ROOT}.${next}`,
  };
}

/** One service: wait for its dependencies in this stage, activate (or start), check health. */
function serviceState(
  s: ServiceSpec,
  stage: StageSpec,
  members: ReadonlySet<string>,
  fail: string,
): Config {
  const localDeps = s.dependsOn.filter((d) => members.has(d));
  const states: Config = {};
  if (stage.parallel && localDeps.length > 0) {
    states.waiting = {
      always: { target: 'activating', guard: `healthy(${localDeps.join(', ')})` },
    };
  }
  states.activating = {
    invoke: {
      id: `${s.kind}-${s.name}`,
      src: s.kind === 'process' ? 'startProcess' : 'runCommand',
      onDone: 'checkingHealth',
      onError: fail,
    },
  };
  states.checkingHealth = {
    invoke: { id: `health-${s.name}`, src: 'health', onDone: 'healthy', onError: fail },
  };
  states.healthy = { type: 'final' };
  return { initial: states.waiting ? 'waiting' : 'activating', states };
}
