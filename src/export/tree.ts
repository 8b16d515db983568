import type { MachineModel, ModelState, ModelTransition } from './model-types.js';

/** Lookups over a model's state tree. */
export interface StateTree {
  byId: Map<string, ModelState>;
  get(id: string): ModelState;
  /** Ids from the root down to `id` (inclusive). */
  lineage(id: string): string[];
}

/** Indexes a model's states by id. */
export function stateTree(model: MachineModel): StateTree {
  const byId = new Map(model.states.map((s) => [s.id, s] as const));
  const get = (id: string): ModelState => {
    const s = byId.get(id);
    if (!s) throw new Error(`bug: state ${id} is not in the model of ${model.id}`);
    return s;
  };
  const lineage = (id: string): string[] => {
    const out: string[] = [];
    for (
      let cur: ModelState | undefined = get(id);
      cur;
      cur = cur.parent ? get(cur.parent) : undefined
    )
      out.unshift(cur.id);
    return out;
  };
  return { byId, get, lineage };
}

/**
 * The state whose block should hold a transition's edge in a nested diagram: the deepest common
 * ancestor of source and targets that is neither of them (and not a parallel state, whose block
 * holds regions only). `undefined` means outside the root.
 */
export function edgeContainer(tree: StateTree, t: ModelTransition): string | undefined {
  const ends = [t.source, ...t.targets];
  const lines = ends.map((id) => tree.lineage(id));
  let common: string | undefined;
  for (let i = 0; lines.every((l) => l[i] !== undefined && l[i] === lines[0]?.[i]); i++)
    common = lines[0]?.[i];
  while (common !== undefined && (ends.includes(common) || tree.get(common).type === 'parallel')) {
    common = tree.get(common).parent;
  }
  return common;
}

/** Escapes text for XML attributes and content. */
export function xmlEscape(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/** Quotes a DOT id or label (double quotes, escaped). */
export function dotQuote(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/**
 * Makes ids safe for Mermaid (letters, digits, underscore; no dots), unique per input id.
 * Deterministic: the same ids in the same order give the same names.
 */
export function mermaidIds(ids: readonly string[], prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  const used = new Set<string>();
  for (const id of ids) {
    const base = `${prefix}${id.replace(/[^A-Za-z0-9_]/g, '_')}`;
    let name = /^[A-Za-z]/.test(base) ? base : `s_${base}`;
    for (let n = 2; used.has(name) || reserved.has(name.toLowerCase()); n++) name = `${base}_${n}`;
    used.add(name);
    out.set(id, name);
  }
  return out;
}

/** Words Mermaid's grammars treat as keywords. */
const reserved = new Set([
  'end',
  'state',
  'note',
  'class',
  'classdef',
  'direction',
  'subgraph',
  'graph',
  'style',
  'click',
  'default',
]);

/** Makes a label safe inside Mermaid text: no quotes, colons, semicolons, or comment markers. */
export function mermaidText(s: string): string {
  return s
    .replace(/"/g, "'")
    .replace(/[;:]/g, ' ')
    .replace(/%%/g, '%')
    .replace(/#/g, '#35;')
    .replace(/\s+/g, ' ')
    .trim();
}
