/**
 * Test helpers for the health and service machines: plan fragments, scripted fake effect actors
 * and tiny parent machines that collect what a child sends upwards.
 */
import {
  createActor,
  fromPromise,
  setup,
  type Actor,
  type AnyEventObject,
  type AnyStateMachine,
  type EventFromLogic,
  type InputFrom,
  type OutputFrom,
} from 'xstate';
import type { CommandSpec, ProbeSpec, ServiceSpec } from '../../src/config/plan-types.js';
import type { CommandOutcome, ProbeInput, ProbeOutcome } from '../../src/machines/contracts.js';

/** A command spec for `run`. */
export const cmd = (run: string): CommandSpec => ({ run, cwd: '/tmp', env: {} });

/** A probe spec with small, test-friendly defaults. */
export const probe = (overrides: Partial<ProbeSpec> = {}): ProbeSpec => ({
  kind: 'http',
  http: { url: 'http://127.0.0.1:1/healthz', method: 'GET', status: [200], headers: {} },
  intervalMs: 1000,
  timeoutMs: 500,
  retries: 3,
  successThreshold: 1,
  startPeriodMs: 0,
  label: 'http GET http://127.0.0.1:1/healthz',
  ...overrides,
});

/** A service spec (activate kind, no probes) with overrides. */
export const service = (overrides: Partial<ServiceSpec> = {}): ServiceSpec => ({
  name: 'api',
  kind: 'activate',
  dependsOn: [],
  stage: 'app',
  activate: cmd('./deploy-api.sh'),
  timeoutMs: 10_000,
  readiness: [],
  ...overrides,
});

/** A command outcome with the given exit code. */
export const exited = (exitCode: number, outputTail = ''): CommandOutcome => ({
  exitCode,
  durationMs: 5,
  timedOut: false,
  canceled: false,
  outputTail,
});

/** A probe outcome. */
export const probed = (
  ok: boolean,
  detail = ok ? '200 OK' : '503 (expected 200)',
): ProbeOutcome => ({
  ok,
  detail,
  durationMs: 3,
});

/** One recorded call of a fake probe. */
export interface ProbeCall {
  at: number;
  label: string;
}

/** A fake `runProbe` that answers from a script (the last answer repeats) and records call times. */
export function scriptedProbe(
  script: Array<boolean | ProbeOutcome | Error>,
  calls: ProbeCall[] = [],
) {
  let i = 0;
  return fromPromise<ProbeOutcome, ProbeInput>(({ input }) => {
    calls.push({ at: Date.now(), label: input.label });
    const step = script[Math.min(i, script.length - 1)] ?? true;
    i += 1;
    if (step instanceof Error) return Promise.reject(step);
    return Promise.resolve(typeof step === 'boolean' ? probed(step) : step);
  });
}

/** A child run under a parent that records every event the child sends up, and its output. */
export interface Harness<T extends AnyStateMachine> {
  parent: Actor<AnyStateMachine>;
  /** Events the child sent to its parent, in order. */
  received: AnyEventObject[];
  /** The child's output once it reached a final state. */
  output: () => OutputFrom<T> | undefined;
  child: () => Actor<T>;
  send: (event: EventFromLogic<T>) => void;
}

/** Starts `machine` as the invoked child `child` of a tiny parent machine. */
export function underParent<T extends AnyStateMachine>(
  machine: T,
  input: InputFrom<T>,
): Harness<T> {
  const received: AnyEventObject[] = [];
  let output: OutputFrom<T> | undefined;
  const parentMachine = setup({ actors: { child: machine as AnyStateMachine } }).createMachine({
    invoke: {
      id: 'child',
      src: 'child',
      input: () => input as unknown,
      onDone: { actions: ({ event }) => void (output = event.output as OutputFrom<T>) },
    },
    on: { '*': { actions: ({ event }) => void received.push(event) } },
  });
  const parent = createActor(parentMachine).start();
  const child = () => parent.getSnapshot().children['child'] as unknown as Actor<T>;
  return {
    parent,
    received,
    output: () => output,
    child,
    send: (event) => child().send(event),
  };
}

/**
 * A parent machine that invokes `machine` as `id` (also its systemId), pushes every event the
 * child sends up onto `sent`, and moves to `finished` with the child's output or error in
 * `result`. The rollback and verification harnesses wrap it.
 */
export function finishingParent<T extends AnyStateMachine>(
  id: string,
  machine: T,
  input: InputFrom<T>,
  sent: AnyEventObject[],
) {
  const result: { output?: OutputFrom<T>; error?: unknown } = {};
  const parent = setup({ actors: { child: machine as AnyStateMachine } }).createMachine({
    invoke: {
      id,
      systemId: id,
      src: 'child',
      input: () => input as unknown,
      onDone: {
        target: '.finished',
        actions: ({ event }) => void (result.output = event.output as OutputFrom<T>),
      },
      onError: { target: '.finished', actions: ({ event }) => void (result.error = event.error) },
    },
    initial: 'running',
    states: { running: {}, finished: {} },
    on: { '*': { actions: ({ event }) => void sent.push(event) } },
  });
  return { parent, result };
}

/** Only the events of one type, narrowed. */
export function eventsOf<E extends AnyEventObject>(
  received: AnyEventObject[],
  type: E['type'],
): E[] {
  return received.filter((e): e is E => e.type === type);
}
