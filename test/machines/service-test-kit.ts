/**
 * Test helpers for the health and service machines: plan fragments and a tiny parent machine that
 * collects what a child tells it (its `tell` action bound to sendParent).
 */
import {
  createActor,
  setup,
  type Actor,
  type AnyEventObject,
  type AnyStateMachine,
  type EventFromLogic,
  type InputFrom,
  type OutputFrom,
} from 'xstate';
import type { CommandSpec, ProbeSpec, ServiceSpec } from '../../src/config/plan-types.js';

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
  group: 'app',
  activate: cmd('./deploy-api.sh'),
  timeoutMs: 10_000,
  readiness: [],
  ...overrides,
});

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

/** Only the events of one type, narrowed. */
export function eventsOf<E extends AnyEventObject>(
  received: AnyEventObject[],
  type: E['type'],
): E[] {
  return received.filter((e): e is E => e.type === type);
}
