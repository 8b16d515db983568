/**
 * Model-based tests: every state of the rollback machine (listed from its definition) is reached
 * by paths from `xstate/graph`, every decision is answered every way, and each path is replayed
 * against a running actor (under a parent, with fake effect actors) that must agree with the model.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AnyActorRef, AnyEventObject, SnapshotFrom } from 'xstate';
import { getAdjacencyMap, TestModel } from 'xstate/graph';
import {
  rollbackMachine,
  type RollbackEvent,
  type RollbackInput,
} from '../../src/machines/rollback/index.js';
import { exited } from './fake-effects.js';
import { prepare, service, startRollback } from './rollback-harness.js';

type Snap = SnapshotFrom<typeof rollbackMachine>;

/** The parts of a StateNode the tests read. */
interface NodeLike {
  key: string;
  states: Record<string, NodeLike>;
  always?: unknown[];
  after: Array<{ eventType: string }>;
}

/** All state nodes of the machine, from its definition. */
function stateNodes(node: NodeLike): NodeLike[] {
  return Object.values(node.states).flatMap((child) => [child, ...stateNodes(child)]);
}
const nodes = stateNodes(rollbackMachine.root);
/** Routing states only ever pass by (eventless transitions): they are seen as microsteps. */
const routing = nodes
  .filter((n) => n.always !== undefined && n.always.length > 0)
  .map((n) => n.key);
const settled = nodes.filter((n) => !routing.includes(n.key)).map((n) => n.key);
const afterEvents = nodes.flatMap((n) => n.after.map((t) => ({ state: n.key, type: t.eventType })));
const decisions = [
  'decision.retry',
  'decision.markResolved',
  'decision.abort',
  ...afterEvents.map((a) => a.type),
];

const TIMEOUT_MS = 60_000;
const inputs: Record<string, RollbackInput> = {
  interactive: {
    steps: [
      { service: service('api'), wasRunning: true, previousEnv: { RELEASE: 'old' } },
      { service: service('db', 'process'), wasRunning: false },
    ],
    cleanups: [prepare('dir')],
    retries: 1,
    interactive: true,
    decisionTimeoutMs: TIMEOUT_MS,
  },
  'non-interactive': {
    steps: [{ service: service('api'), wasRunning: true }],
    cleanups: [prepare('dir'), prepare('none', false)],
    retries: 1,
    interactive: false,
    decisionTimeoutMs: TIMEOUT_MS,
  },
};

/** The events that can happen in a state: its own actor's outcomes, decisions, interrupts. */
function eventsFor(snap: Snap): RollbackEvent[] {
  const name = snap.context.steps[snap.context.stepIndex]?.service.name ?? '?';
  const byState: Record<string, AnyEventObject[]> = {
    restoring: [
      { type: 'xstate.done.actor.step', output: { service: name, state: 'rolled-back' } },
      {
        type: 'xstate.done.actor.step',
        output: { service: name, state: 'rollback-failed', reason: 'rb failed' },
      },
      { type: 'xstate.error.actor.step', error: new Error('actor crashed') },
    ],
    awaitingDecision: [
      { type: 'decision.retry', by: 'model' },
      { type: 'decision.markResolved', by: 'model' },
      { type: 'decision.abort', by: 'model' },
      ...afterEvents.map((a) => ({ type: a.type })),
    ],
    cleaningUp: [
      { type: 'xstate.done.actor.cleanup', output: exited(0) },
      { type: 'xstate.done.actor.cleanup', output: exited(1, 'rm: denied\n') },
      { type: 'xstate.error.actor.cleanup', error: new Error('spawn ENOENT') },
    ],
  };
  // As the root (`stagecraft rollback`), SIGINT/SIGTERM can come at any time while it runs.
  const interrupt = snap.status === 'active' ? [{ type: 'run.interrupt' }] : [];
  return [...(byState[snap.value] ?? []), ...interrupt] as RollbackEvent[];
}

/**
 * Model state key: bounded (attempts capped) so retry loops terminate, detailed enough (reasons,
 * steps resolved by hand) that every decision leads to its own state.
 */
function serialize(snap: Snap): string {
  const c = snap.context;
  return JSON.stringify([
    snap.value,
    c.stepIndex,
    c.cleanupIndex,
    Math.min(c.attempt, c.retries + 2),
    c.restored,
    c.notRestored,
    c.resolvedByHand,
    c.lastFailure,
    c.aborted,
    c.interrupts,
  ]);
}

let cleanup: Array<() => void> = [];
beforeEach(() => {
  vi.useFakeTimers({ now: 1_700_000_000_000 });
});
afterEach(() => {
  for (const f of cleanup) f();
  cleanup = [];
  vi.useRealTimers();
});

describe.each(Object.entries(inputs))('rollback model (%s)', (_label, input) => {
  // createTestModel refuses machines with invokes and `after`; TestModel itself traverses them
  // fine (traversal never runs actors): the done/error/after events are supplied explicitly.
  const model = new TestModel(rollbackMachine, {
    events: eventsFor,
    serializeState: serialize,
    stateMatcher: (snap, key) => snap.matches(key as never),
    input,
  });
  const paths = model.getShortestPaths({ input, limit: 5000 });
  const visited = paths.flatMap((p) => p.steps.map((s) => s.state));

  it('reaches every settled state of the definition', () => {
    const expected = input.interactive ? settled : settled.filter((s) => s !== 'awaitingDecision');
    const reached = new Set(visited.map((s) => s.value as string));
    expect([...reached].sort()).toEqual([...expected].sort());
  });

  it('ends every finished path with each service and cleanup listed exactly once as restored or not', () => {
    const names = [
      ...input.steps.map((s) => s.service.name),
      ...input.cleanups.filter((c) => c.cleanup).map((c) => `prepare.${c.name}`),
    ];
    const finals = visited.filter((s) => s.status === 'done');
    expect(finals.length).toBeGreaterThan(0);
    for (const f of finals) {
      const out = f.output;
      if (out === undefined) throw new Error('a final state without output');
      expect([...out.restored, ...out.notRestored.map((n) => n.name)].sort()).toEqual(
        [...names].sort(),
      );
      expect(out.complete).toBe(out.notRestored.length === 0 && !out.aborted);
    }
  });

  if (input.interactive) {
    it('answers the rollback-step decision every way, the deadline taking the default', () => {
      // Every transition of every reachable state (shortest paths keep one per target state, and
      // the deadline's default, abort, ends in the same state as the operator's abort).
      const adjacency = getAdjacencyMap(rollbackMachine, {
        events: eventsFor,
        serializeState: serialize,
        input,
        limit: 5000,
      }) as unknown as Record<
        string,
        { state: Snap; transitions: Record<string, { event: AnyEventObject; state: Snap }> }
      >;
      const taken = new Map<string, Set<string>>();
      for (const node of Object.values(adjacency)) {
        if (node.state.value !== 'awaitingDecision') continue;
        for (const { event, state } of Object.values(node.transitions)) {
          const left =
            state.value !== 'awaitingDecision' ||
            state.context.attempt !== node.state.context.attempt;
          if (!left) continue;
          const outcome =
            state.status === 'done'
              ? state.output?.aborted
                ? 'aborted'
                : 'done'
              : String(state.value);
          if (!taken.has(event.type)) taken.set(event.type, new Set());
          taken.get(event.type)?.add(outcome);
        }
      }
      expect([...taken.keys()].sort()).toEqual(expect.arrayContaining([...decisions].sort()));
      // The default at the deadline is abort.
      expect(taken.get(afterEvents[0]!.type)).toEqual(new Set(['aborted']));
      expect(taken.get('decision.abort')).toEqual(new Set(['aborted']));
    });
  }

  it('replays every path on a running actor that agrees with the model', async () => {
    const microsteps = new Set<string>();
    for (const path of paths) {
      const h = startRollback(
        input,
        {},
        {
          manual: true,
          inspect: (e) => {
            const root = (e.actorRef as AnyActorRef)._parent === undefined;
            if (root && e.type === '@xstate.microstep' && typeof e.snapshot === 'object') {
              const value = (e.snapshot as { value?: unknown }).value;
              if (typeof value === 'string') microsteps.add(value);
            }
          },
        },
      );
      cleanup.push(() => h.actor.stop());
      const events = Object.fromEntries(
        [...new Set(paths.flatMap((p) => p.steps.map((s) => s.event.type)))]
          .filter((type) => (type as string) !== 'xstate.init')
          .map((type) => [
            type,
            ({ event }: { event: RollbackEvent }) => {
              if (afterEvents.some((a) => a.type === type)) vi.advanceTimersByTime(TIMEOUT_MS);
              else h.actor.send(event);
            },
          ]),
      );
      await path.test({
        events,
        states: Object.fromEntries(
          settled.map((key) => [
            key,
            (expected: Snap) => {
              if (expected.status === 'done') {
                expect(h.state()).toBe('finished');
                expect(h.output()).toEqual(expected.output);
                return;
              }
              const actual = h.actor.getSnapshot();
              expect(actual.value).toEqual(expected.value);
              expect(actual.context.restored).toEqual(expected.context.restored);
              expect(actual.context.notRestored).toEqual(expected.context.notRestored);
              if (expected.value === 'awaitingDecision') {
                const service = expected.context.steps[expected.context.stepIndex]?.service.name;
                expect(h.rec.of('decision.requested').at(-1)?.decision).toMatchObject({
                  kind: 'rollback-step',
                  subject: service,
                  message: expected.context.lastFailure,
                });
              }
            },
          ]),
        ),
      });
      h.actor.stop();
    }
    expect(routing.filter((r) => !microsteps.has(r))).toEqual([]);
  });
});
