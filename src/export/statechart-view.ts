import type { MachineModel, ModelState, ModelTransition } from './model-types.js';
import { stateTree, type StateTree } from './tree.js';

/** What to draw of a machine, and what to mark on it. */
export interface StatechartOptions {
  /** Collapse states nested deeper than this below the drawn root (1 = its children, collapsed). */
  depth?: number;
  /** Draw only this region: a state path below the root (`finalizing`, `activating.running`) or its id. */
  state?: string;
  /** States and edges to mark (thicker border, fill), and short notes shown under a state's title. */
  highlight?: {
    states: string[];
    edges?: Array<{ from: string; to: string }>;
    notes?: Record<string, string>;
  };
}

/** One box of the diagram. */
export interface ViewNode {
  /** The state id (for an exit stub: `exit:<target id>`). */
  id: string;
  kind: 'state' | 'compound' | 'parallel' | 'final' | 'history' | 'exit';
  title: string;
  /** A note under the title (highlight notes). */
  note?: string;
  /** Lines listed inside the box: invokes, entry/exit actions, targetless transitions, `+ k states`. */
  lines: string[];
  children: ViewNode[];
  /** The child entered first (compound states): drawn as a dot with an edge to it. */
  initial?: string;
  marked: boolean;
}

/** One edge of the diagram (one per transition target). */
export interface ViewEdge {
  id: string;
  from: string;
  to: string;
  /** `event [guard]` and, when the transition runs actions, `/ action, action`. */
  lines: string[];
  kind: 'transition' | 'initial' | 'history';
  marked: boolean;
}

/** The diagram to lay out: one top box (the machine or the region) plus exit stubs, and edges. */
export interface StatechartView {
  roots: ViewNode[];
  edges: ViewEdge[];
}

/** Widest action list on one line before it wraps. */
const WRAP = 56;

/** Reads `--state` (a path below the root, or a state id) against a model: the region's id, if it has nested states. */
export function resolveRegion(model: MachineModel, state: string): string | undefined {
  const found = model.states.find(
    (s) => s.children.length > 0 && (s.id === state || (s.parent && s.path.join('.') === state)),
  );
  return found?.id;
}

/** The paths `--state` accepts for a model (every state below the root that has children). */
export function regionPaths(model: MachineModel): string[] {
  return model.states.filter((s) => s.parent && s.children.length > 0).map((s) => s.path.join('.'));
}

/** Builds what to draw from a machine model: nesting, in-box lines, one edge per target. */
export function statechartView(model: MachineModel, opts: StatechartOptions = {}): StatechartView {
  const tree = stateTree(model);
  const rootId = opts.state === undefined ? model.id : resolveRegion(model, opts.state);
  if (rootId === undefined) throw new Error(`bug: unknown state ${opts.state ?? ''}`);
  const root = tree.get(rootId);
  const depth = opts.depth ?? Infinity;
  const rel = (s: ModelState): number => s.path.length - root.path.length;
  const inRegion = (id: string): boolean => tree.lineage(id).includes(rootId);
  /** The visible box standing for a state: itself, or its collapsed ancestor. */
  const rep = (id: string): string => {
    const line = tree.lineage(id);
    const at = line.indexOf(rootId);
    return line[Math.min(line.length - 1, at + depth)] ?? id;
  };
  // Marks on hidden states land on the collapsed box that stands for them.
  const shown = (id: string): string => (tree.byId.has(id) && inRegion(id) ? rep(id) : id);
  const marked = new Set((opts.highlight?.states ?? []).map(shown));
  const notes = opts.highlight?.notes ?? {};
  const byState = groupBySource(model.transitions);
  const build = (s: ModelState): ViewNode => {
    const collapsed = rel(s) >= depth && s.children.length > 0;
    const lines = [
      ...s.invoke.map((i) => `invoke: ${i.src}${i.id === i.src ? '' : ` (${i.id})`}`),
      ...(s.entry.length > 0 ? wrapList('entry / ', s.entry) : []),
      ...(s.exit.length > 0 ? wrapList('exit / ', s.exit) : []),
      ...(byState.get(s.id) ?? [])
        .filter((t) => t.targets.length === 0)
        .flatMap((t) => inBoxLines(t)),
    ];
    if (collapsed) lines.push(`+ ${descendants(tree, s)} states`);
    const node: ViewNode = {
      id: s.id,
      kind: kindOf(s, collapsed),
      title: titleOf(s),
      lines,
      children: collapsed ? [] : s.children.map((c) => build(tree.get(c))),
      marked: marked.has(s.id),
    };
    const note = notes[s.id];
    if (note !== undefined) node.note = note;
    if (!collapsed && s.initial !== undefined) node.initial = s.initial;
    return node;
  };
  const top = build(root);
  const edges: ViewEdge[] = [];
  const seen = new Set<string>();
  const stubs = new Map<string, ViewNode>();
  const markedEdges = new Set(
    (opts.highlight?.edges ?? []).map(
      (e) =>
        `${shown(e.from)}\u0000${tree.byId.has(e.to) && !inRegion(e.to) ? `exit:${e.to}` : shown(e.to)}`,
    ),
  );
  const add = (edge: Omit<ViewEdge, 'id' | 'marked'>): void => {
    const key = `${edge.from}\u0000${edge.to}\u0000${edge.lines.join('\n')}`;
    if (seen.has(key)) return;
    seen.add(key);
    const mark = markedEdges.has(`${edge.from}\u0000${edge.to}`);
    edges.push({ id: `e${edges.length}`, ...edge, marked: mark });
  };
  const visit = (n: ViewNode): void => {
    if (n.initial !== undefined)
      add({ from: `${n.id}:initial`, to: n.initial, lines: [], kind: 'initial' });
    const s = tree.get(n.id);
    if (s.type === 'history')
      for (const d of s.historyDefault)
        if (inRegion(d)) add({ from: n.id, to: rep(d), lines: [], kind: 'history' });
    n.children.forEach(visit);
  };
  visit(top);
  for (const t of model.transitions) {
    if (t.targets.length === 0 || !inRegion(t.source)) continue;
    const from = rep(t.source);
    for (const target of t.targets) {
      let to: string;
      if (inRegion(target)) {
        to = rep(target);
        // Inside one collapsed box: summarised by its "+ k states".
        if (from === to && !(t.source === target && from === t.source)) continue;
      } else {
        to = `exit:${target}`;
        if (!stubs.has(to))
          stubs.set(to, {
            id: to,
            kind: 'exit',
            title: `\u2192 ${tree.get(target).path.join('.') || target}`,
            lines: [],
            children: [],
            marked: false,
          });
      }
      add({ from, to, lines: edgeLines(t), kind: 'transition' });
    }
  }
  return { roots: [top, ...stubs.values()], edges };
}

function groupBySource(ts: readonly ModelTransition[]): Map<string, ModelTransition[]> {
  const out = new Map<string, ModelTransition[]>();
  for (const t of ts) out.set(t.source, [...(out.get(t.source) ?? []), t]);
  return out;
}

function kindOf(s: ModelState, collapsed: boolean): ViewNode['kind'] {
  if (s.type === 'final') return 'final';
  if (s.type === 'history') return 'history';
  if (collapsed || s.children.length === 0) return 'state';
  return s.type === 'parallel' ? 'parallel' : 'compound';
}

function titleOf(s: ModelState): string {
  if (s.type === 'history') return s.history === 'deep' ? 'H*' : 'H';
  return s.type === 'parallel' ? `${s.key} (parallel)` : s.key;
}

function descendants(tree: StateTree, s: ModelState): number {
  return s.children.reduce((n, c) => n + 1 + descendants(tree, tree.get(c)), 0);
}

/** The label of a transition drawn as an edge: its trigger and guard, then its actions. */
function edgeLines(t: ModelTransition): string[] {
  const head = t.reenter ? `${t.label} (reenter)` : t.label;
  return t.actions.length > 0 ? [head, ...wrapList('/ ', t.actions)] : [head];
}

/** A targetless transition listed in its state: `on monitor.unhealthy / markLost`, `after 15m / x`. */
function inBoxLines(t: ModelTransition): string[] {
  const head = t.kind === 'event' ? `on ${t.label}` : t.label;
  return t.actions.length > 0 ? wrapList(`${head} / `, t.actions) : [head];
}

/** `prefix a, b, c` wrapped at WRAP characters, continuation lines indented. */
function wrapList(prefix: string, items: readonly string[]): string[] {
  const lines: string[] = [];
  let cur = prefix;
  let fresh = true;
  items.forEach((item, i) => {
    const piece = `${item}${i < items.length - 1 ? ',' : ''}`;
    if (!fresh && cur.length + piece.length > WRAP) {
      lines.push(cur.trimEnd());
      cur = '    ';
    }
    cur += `${piece} `;
    fresh = false;
  });
  lines.push(cur.trimEnd());
  return lines;
}
