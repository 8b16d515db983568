/** Helpers for model-based tests: every state id of a machine, and the ids a snapshot is in. */
import type { AnyStateMachine, AnyMachineSnapshot } from 'xstate';

interface NodeLike {
  id: string;
  states: Record<string, NodeLike>;
  always?: Array<{ guard?: unknown }>;
}

/** A state with an unguarded `always` is left in the same step: no snapshot ever rests there. */
const transient = (node: NodeLike): boolean =>
  node.always?.some((t) => t.guard === undefined) ?? false;

/** Every state node id a snapshot can rest in (root and transient states excluded), from the definition. */
export function allStateIds(machine: AnyStateMachine): string[] {
  const ids: string[] = [];
  const walk = (node: NodeLike): void => {
    for (const child of Object.values(node.states)) {
      if (!transient(child)) ids.push(child.id);
      walk(child);
    }
  };
  walk(machine.root);
  return ids;
}

/** The state node ids a snapshot is in (root excluded). */
export function activeIds(snapshot: AnyMachineSnapshot): string[] {
  return (snapshot._nodes as unknown as NodeLike[])
    .map((n) => n.id)
    .filter((id) => id.includes('.'));
}

/** Every `after` event type of a machine (the runtime sends them when a delay elapses). */
export function afterEventTypes(machine: AnyStateMachine): string[] {
  const types: string[] = [];
  const walk = (node: {
    transitions: Map<string, unknown>;
    states: Record<string, unknown>;
  }): void => {
    for (const key of node.transitions.keys()) if (key.startsWith('xstate.after.')) types.push(key);
    for (const child of Object.values(node.states)) walk(child as typeof node);
  };
  walk(machine.root);
  return types;
}
