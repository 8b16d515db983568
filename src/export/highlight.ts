/**
 * A path drawn over a statechart: the states a run entered, the transitions it took, and a note
 * per state (a prompt and its answer, the time spent there). Renderers take it as `highlight`.
 */
import type { MachineModel } from './model-types.js';
import { stateTree } from './tree.js';

/** What a renderer draws over a statechart. */
export interface Highlight {
  /** State ids on the path. */
  states: string[];
  /** Transitions taken, by source and target state id (an initial child: from its parent). */
  edges?: Array<{ from: string; to: string }>;
  /** A note shown in a state, by state id. */
  notes?: Record<string, string>;
}

/**
 * The highlight of a path given as the state ids entered, in order: each entry is reached from
 * its parent (an initial child) or by a transition of a state entered before it (the latest one
 * that has such a transition, or whose ancestor has). Ids not in the model are left out.
 */
export function pathHighlight(
  model: MachineModel,
  entered: readonly string[],
  notes: Record<string, string> = {},
): Highlight {
  const tree = stateTree(model);
  const known = entered.filter((id) => tree.byId.has(id));
  const edges: Array<{ from: string; to: string }> = [];
  const seen = new Set<string>();
  const add = (from: string, to: string): void => {
    const k = `${from}\u0000${to}`;
    if (seen.has(k)) return;
    seen.add(k);
    edges.push({ from, to });
  };
  for (const [i, to] of known.entries()) {
    if (i === 0) continue;
    const state = tree.get(to);
    const before = known.slice(0, i).reverse();
    const source = before
      .flatMap((b) => tree.lineage(b).reverse())
      .find((s) => model.transitions.some((t) => t.source === s && t.targets.includes(to)));
    if (source !== undefined) add(source, to);
    else if (state.parent !== undefined && tree.get(state.parent).initial === to)
      add(state.parent, to);
  }
  return {
    states: [...new Set(known)],
    edges,
    notes: Object.fromEntries(Object.entries(notes).filter(([id]) => tree.byId.has(id))),
  };
}
