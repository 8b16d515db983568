import type { Highlight } from './highlight.js';
import type { MachineModel, ModelState, ModelTransition } from './model-types.js';
import { dotQuote, stateTree } from './tree.js';

/** Options of the DOT renderer. */
export interface DotMachineOptions {
  /** A path to draw over the machine: its states and edges bold in {@link PATH_COLOR}, notes in their state. */
  highlight?: Highlight;
}

/** The colour of a highlighted path. */
const PATH_COLOR = '#c2410c';

/** Graph attributes shared by every DOT export. */
export const dotHeader = [
  'compound=true;',
  'fontname="Helvetica"; fontsize=11;',
  'node [fontname="Helvetica", fontsize=10];',
  'edge [fontname="Helvetica", fontsize=9];',
];

/**
 * Renders a machine as a Graphviz digraph: compound and parallel states (and the root) are
 * clusters (parallel ones dashed), each with an anchor node named after the state — the filled
 * initial dot for compound states — so edges to and from a state attach with lhead/ltail.
 */
export function machineToDot(model: MachineModel, options: DotMachineOptions = {}): string {
  return [
    `digraph ${dotQuote(model.id)} {`,
    ...dotHeader.map((l) => `  ${l}`),
    ...machineDotBody(model, '', options),
    '}',
    '',
  ].join('\n');
}

/** The clusters and edges of one machine; `prefix` keeps node ids apart when machines share a graph. */
export function machineDotBody(
  model: MachineModel,
  prefix: string,
  options: DotMachineOptions = {},
): string[] {
  const tree = stateTree(model);
  const hl = options.highlight;
  const onPath = new Set(hl?.states ?? []);
  const taken = new Set((hl?.edges ?? []).map((e) => `${e.from}\u0000${e.to}`));
  const note = (s: ModelState): string => {
    const n = hl?.notes?.[s.id];
    return n === undefined ? '' : `\n${n}`;
  };
  const pathStyle = (s: ModelState): string =>
    onPath.has(s.id)
      ? `, color=${dotQuote(PATH_COLOR)}, penwidth=2.5, fontcolor=${dotQuote(PATH_COLOR)}`
      : '';
  const edgeStyle = (from: string, to: string): string[] =>
    taken.has(`${from}\u0000${to}`)
      ? [`color=${dotQuote(PATH_COLOR)}`, 'penwidth=2.5', `fontcolor=${dotQuote(PATH_COLOR)}`]
      : [];
  const node = (id: string): string => dotQuote(`${prefix}${id}`);
  const isCluster = (s: ModelState): boolean => s.type === 'compound' || s.type === 'parallel';
  const lines: string[] = [];
  const invokeText = (s: ModelState): string =>
    s.invoke.map((i) => `\ninvoke ${i.src} (${i.id})`).join('');
  const emit = (s: ModelState, pad: string): void => {
    if (isCluster(s)) {
      lines.push(`${pad}subgraph ${dotQuote(`cluster_${prefix}${s.id}`)} {`);
      const style = s.type === 'parallel' ? 'rounded,dashed' : 'rounded';
      const label = `${s.key}${s.type === 'parallel' ? ' (parallel)' : ''}${invokeText(s)}${note(s)}`;
      lines.push(`${pad}  label=${dotQuote(label)}; style=${dotQuote(style)};`);
      if (onPath.has(s.id))
        lines.push(
          `${pad}  color=${dotQuote(PATH_COLOR)}; penwidth=2.5; fontcolor=${dotQuote(PATH_COLOR)};`,
        );
      const anchor = s.initial
        ? 'shape=point, width=0.12, style=filled, fillcolor=black, label=""'
        : 'shape=point, width=0.01, style=invis, label=""';
      lines.push(`${pad}  ${node(s.id)} [${anchor}];`);
      if (s.initial)
        lines.push(
          `${pad}  ${node(s.id)} -> ${node(s.initial)} [${['arrowsize=0.6', ...edgeStyle(s.id, s.initial)].join(', ')}];`,
        );
      for (const c of s.children) emit(tree.get(c), `${pad}  `);
      lines.push(`${pad}}`);
      return;
    }
    if (s.type === 'history') {
      lines.push(
        `${pad}${node(s.id)} [shape=circle, label=${dotQuote(s.history === 'deep' ? 'H*' : 'H')}, tooltip=${dotQuote(s.id)}];`,
      );
      for (const d of s.historyDefault)
        lines.push(`${pad}${node(s.id)} -> ${node(d)} [style=dashed, label="history default"];`);
      return;
    }
    const shape =
      s.type === 'final'
        ? 'shape=box, style="rounded,bold", peripheries=2'
        : 'shape=box, style=rounded';
    lines.push(
      `${pad}${node(s.id)} [${shape}, label=${dotQuote(s.key + invokeText(s) + note(s))}${pathStyle(s)}];`,
    );
  };
  emit(tree.get(model.id), '  ');
  const inside = (id: string, ancestor: string): boolean => tree.lineage(id).includes(ancestor);
  const edge = (t: ModelTransition, to: string): string => {
    const attrs = [`label=${dotQuote(edgeLabel(t))}`, ...edgeStyle(t.source, to)];
    const from = tree.get(t.source);
    const head = tree.get(to);
    if (t.targets.length === 0) attrs.push('style=dotted');
    if (isCluster(from) && !inside(to, from.id))
      attrs.push(`ltail=${dotQuote(`cluster_${prefix}${from.id}`)}`);
    if (isCluster(head) && !inside(t.source, head.id))
      attrs.push(`lhead=${dotQuote(`cluster_${prefix}${head.id}`)}`);
    return `  ${node(t.source)} -> ${node(to)} [${attrs.join(', ')}];`;
  };
  for (const t of model.transitions) {
    for (const to of t.targets.length === 0 ? [t.source] : t.targets) lines.push(edge(t, to));
  }
  return lines;
}

/** The edge label: the transition label, marked when targetless or re-entering. */
function edgeLabel(t: ModelTransition): string {
  return t.label + (t.targets.length === 0 ? ' (no target)' : t.reenter ? ' (reenter)' : '');
}
