/**
 * Model-based testing helpers (xstate/graph) for the health and service machines: every state id
 * of a machine definition, and a replay of a graph path against the real machine (with fake
 * actors that never settle, so the path's events alone drive it) that records every state the
 * running actor passed through, transient ones included.
 */
import {
  createActor,
  type AnyActorRef,
  type AnyEventObject,
  type AnyMachineSnapshot,
  type AnyStateMachine,
  type AnyStateNode,
  type InputFrom,
} from 'xstate';
import { getShortestPaths, getSimplePaths, type StatePath } from 'xstate/graph';

/** A model path over any machine. */
export type Path = StatePath<AnyMachineSnapshot, AnyEventObject>;

/** Traversal options for the model tests (bounded: a serializeState and a limit are required). */
export interface ModelOptions {
  input: unknown;
  events: (snapshot: AnyMachineSnapshot) => AnyEventObject[];
  serializeState: (snapshot: AnyMachineSnapshot) => string;
  limit: number;
  toState?: (snapshot: AnyMachineSnapshot) => boolean;
}

/** `getShortestPaths` of xstate/graph (createTestModel refuses machines with invoke/after). */
export function shortestPaths(machine: AnyStateMachine, options: ModelOptions): Path[] {
  return getShortestPaths(machine, options) as Path[];
}

/** `getSimplePaths` of xstate/graph. */
export function simplePaths(machine: AnyStateMachine, options: ModelOptions): Path[] {
  return getSimplePaths(machine, options) as Path[];
}

/** Every state node id of a machine definition (root included), from its StateNode tree. */
export function allStateIds(machine: AnyStateMachine): string[] {
  const walk = (node: AnyStateNode): string[] => [
    node.id,
    ...Object.values(node.states).flatMap((child) => walk(child)),
  ];
  return walk(machine.root);
}

/**
 * Offers only the events the running machine could really receive: an actor's done/error events
 * while that actor is invoked (or spawned), a delayed event while its state is active, everything
 * else always.
 * (An unhandled `xstate.error.actor.*` would put the model into an error status.)
 */
export function possibleEvents(catalog: AnyEventObject[]) {
  return (snapshot: AnyMachineSnapshot): AnyEventObject[] => {
    const nodes = snapshot._nodes as AnyStateNode[];
    const invoked = new Set([
      ...nodes.flatMap((n) => n.invoke.map((i) => i.id)),
      ...Object.keys(snapshot.children as Record<string, unknown>),
    ]);
    const delayed = new Set(
      nodes.flatMap((n) => (n.after as Array<{ eventType: string }>).map((t) => t.eventType)),
    );
    return catalog.filter((e) => {
      const actor = /^xstate\.(done|error)\.actor\.(.+)$/.exec(e.type);
      if (actor) return invoked.has(actor[2] ?? '');
      if (e.type.startsWith('xstate.after.')) return delayed.has(e.type);
      return true;
    });
  };
}

/** What one replay saw: the state ids entered, and mismatches with the model's expectation. */
export interface ReplayResult {
  visited: Set<string>;
  mismatches: string[];
}

/**
 * Replays `path` on a fresh actor of `machine` (already provided with inert fakes): sends each
 * step's event and compares the actor's state value with the model's.
 */
export function replay(
  machine: AnyStateMachine,
  input: InputFrom<AnyStateMachine>,
  path: Path,
): ReplayResult {
  const visited = new Set<string>();
  const mismatches: string[] = [];
  const actor = createActor(machine, {
    input,
    inspect: (ev) => {
      if (ev.type !== '@xstate.microstep' && ev.type !== '@xstate.snapshot') return;
      if ((ev.actorRef as AnyActorRef)._parent !== undefined) return; // the root actor only
      for (const node of (ev.snapshot as AnyMachineSnapshot)._nodes) visited.add(node.id);
      if (ev.type !== '@xstate.microstep') return;
      // Transient states (eventless `always` hops) show up only as transition sources.
      for (const t of ev._transitions) visited.add(t.source.id);
    },
  });
  actor.start();
  for (const node of actor.getSnapshot()._nodes) visited.add(node.id);
  try {
    for (const step of path.steps) {
      if (step.event.type !== 'xstate.init') actor.send(step.event);
      const got = JSON.stringify(actor.getSnapshot().value);
      const want = JSON.stringify(step.state.value);
      if (got !== want) mismatches.push(`after ${step.event.type}: ${got} != ${want}`);
    }
  } finally {
    actor.stop();
  }
  return { visited, mismatches };
}
