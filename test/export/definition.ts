import type { AnyStateMachine, AnyStateNode } from 'xstate';

/** A transition read straight from XState's StateNode tree (independent of src/export). */
export interface DefTransition {
  source: string;
  eventType: string;
  targets: string[];
  guarded: boolean;
}

/** States and transitions computed from a machine's definition (document order). */
export interface Definition {
  states: Array<{ id: string; type: string }>;
  transitions: DefTransition[];
}

/** Walks `machine.root` the way XState holds it: node.transitions and node.always. */
export function definitionOf(machine: AnyStateMachine): Definition {
  const def: Definition = { states: [], transitions: [] };
  const visit = (n: AnyStateNode): void => {
    def.states.push({ id: n.id, type: n.type });
    for (const [eventType, list] of n.transitions) {
      for (const t of list)
        def.transitions.push({
          source: n.id,
          eventType,
          targets: (t.target ?? []).map((x) => x.id),
          guarded: t.guard !== undefined,
        });
    }
    for (const t of n.always ?? [])
      def.transitions.push({
        source: n.id,
        eventType: '',
        targets: (t.target ?? []).map((x) => x.id),
        guarded: t.guard !== undefined,
      });
    for (const c of Object.values(n.states)) visit(c);
  };
  visit(machine.root);
  return def;
}

/** The word a transition's label must contain in every format. */
export function labelToken(t: DefTransition): string {
  if (t.eventType === '') return 'always';
  if (t.eventType.startsWith('xstate.after.')) return 'after ';
  if (t.eventType.startsWith('xstate.done.actor.'))
    return `onDone(${t.eventType.slice('xstate.done.actor.'.length)})`;
  if (t.eventType.startsWith('xstate.error.actor.'))
    return `onError(${t.eventType.slice('xstate.error.actor.'.length)})`;
  if (t.eventType.startsWith('xstate.done.state.')) return 'onDone';
  return t.eventType;
}

/** A comparable key for a transition. */
export const transitionKey = (t: {
  source: string;
  eventType: string;
  targets: string[];
}): string => `${t.source} | ${t.eventType} | ${t.targets.join(' ')}`;
