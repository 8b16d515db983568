import ElkModule from 'elkjs/lib/elk.bundled.js';
import type { ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api.js';
import type { StatechartView, ViewEdge, ViewNode } from './statechart-view.js';
import { textWidth } from './text-measure.js';

/** Text sizes and spacing of the statechart SVGs (px). */
export const metrics = {
  titleSize: 12,
  textSize: 11,
  lineHeight: 15,
  padX: 8,
  padY: 6,
  labelPad: 3,
  dot: 10,
} as const;

/** A laid-out box, in absolute coordinates. */
interface PlacedNode {
  node: ViewNode;
  x: number;
  y: number;
  width: number;
  height: number;
  /** Nesting depth (0 = a top box). */
  level: number;
}

/** A laid-out edge: its orthogonal route and its label's box, in absolute coordinates. */
interface PlacedEdge {
  edge: ViewEdge;
  points: Array<{ x: number; y: number }>;
  label?: { x: number; y: number; width: number; height: number };
}

/** A laid-out statechart. */
export interface StatechartLayout {
  width: number;
  height: number;
  nodes: PlacedNode[];
  /** Initial-state dots: the compound state's id and the dot's centre. */
  dots: Array<{ id: string; cx: number; cy: number }>;
  edges: PlacedEdge[];
}

/** The lines a box shows in its header (or body, for a box without children), with their size. */
export function boxLines(
  n: ViewNode,
): Array<{ text: string; size: number; bold: boolean; cls: string }> {
  return [
    { text: n.title, size: metrics.titleSize, bold: n.kind !== 'exit', cls: 'title' },
    ...(n.note === undefined
      ? []
      : [{ text: n.note, size: metrics.textSize, bold: false, cls: 'note' }]),
    ...n.lines.map((text) => ({ text, size: metrics.textSize, bold: false, cls: 'line' })),
  ];
}

function headerSize(n: ViewNode): { width: number; height: number } {
  const lines = boxLines(n);
  const width = Math.max(...lines.map((l) => textWidth(l.text, l.size, l.bold)));
  return {
    width: Math.ceil(width + 2 * metrics.padX),
    height: lines.length * metrics.lineHeight + 2 * metrics.padY,
  };
}

// The bundle is CommonJS; its constructor is also its own `default`, which is what the types describe.
const elk = new ElkModule.default();

/** Spacing, read from each node for the children it holds. */
const spacing: Record<string, string> = {
  'elk.spacing.nodeNode': '18',
  'elk.layered.spacing.nodeNodeBetweenLayers': '22',
  'elk.spacing.edgeNode': '10',
  'elk.spacing.edgeEdge': '7',
  'elk.spacing.edgeLabel': '4',
  'elk.spacing.labelLabel': '6',
  'elk.layered.spacing.edgeNodeBetweenLayers': '10',
  'elk.layered.spacing.edgeEdgeBetweenLayers': '7',
};

const graphOptions: Record<string, string> = {
  'elk.algorithm': 'layered',
  'elk.direction': 'DOWN',
  'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
  'elk.edgeRouting': 'ORTHOGONAL',
  'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
  'elk.layered.nodePlacement.strategy': 'NETWORK_SIMPLEX',
  ...spacing,
  'elk.padding': '[top=12,left=12,bottom=12,right=12]',
};

/**
 * Lays a statechart view out with ELK's layered algorithm over the whole compound graph
 * (`INCLUDE_CHILDREN`): nested states are nested nodes whose top padding holds their header,
 * edges are routed orthogonally, and each edge label is an ELK label of measured size, so ELK
 * places it clear of boxes and other labels. Coordinates come back absolute.
 */
export async function layoutStatechart(view: StatechartView): Promise<StatechartLayout> {
  const parentOf = new Map<string, string>();
  const toElk = (n: ViewNode, parent: string): ElkNode => {
    parentOf.set(n.id, parent);
    const head = headerSize(n);
    if (n.children.length === 0) return { id: n.id, width: head.width, height: head.height };
    const children: ElkNode[] = [];
    if (n.initial !== undefined) {
      parentOf.set(`${n.id}:initial`, n.id);
      children.push({ id: `${n.id}:initial`, width: metrics.dot, height: metrics.dot });
    }
    children.push(...n.children.map((c) => toElk(c, n.id)));
    return {
      id: n.id,
      children,
      // ELK reads spacing from the node whose children it places: every compound node carries it.
      layoutOptions: {
        ...spacing,
        'elk.padding': `[top=${head.height + 10},left=12,bottom=12,right=12]`,
        'elk.nodeSize.constraints': 'MINIMUM_SIZE',
        'elk.nodeSize.minimum': `(${head.width + 24},${head.height + 24})`,
      },
    };
  };
  const root: ElkNode = {
    id: ':root',
    layoutOptions: graphOptions,
    children: view.roots.map((n) => toElk(n, ':root')),
  };
  const lineage = (id: string): string[] => {
    const out = [id];
    for (let p = parentOf.get(id); p !== undefined; p = parentOf.get(p)) out.unshift(p);
    return out;
  };
  const nodesById = new Map<string, ElkNode>([[':root', root]]);
  const index = (n: ElkNode): void => {
    nodesById.set(n.id, n);
    n.children?.forEach(index);
  };
  root.children?.forEach(index);
  for (const e of view.edges) {
    const container = containerOf(lineage(e.from), lineage(e.to));
    const elkEdge: ElkExtendedEdge = { id: e.id, sources: [e.from], targets: [e.to] };
    if (e.lines.length > 0) {
      const width = Math.max(...e.lines.map((l) => textWidth(l, metrics.textSize)));
      elkEdge.labels = [
        {
          id: `${e.id}:label`,
          text: e.lines.join('\n'),
          width: Math.ceil(width + 2 * metrics.labelPad),
          height: e.lines.length * metrics.lineHeight + 2 * metrics.labelPad,
          layoutOptions: { 'elk.edgeLabels.placement': 'CENTER', 'elk.edgeLabels.inline': 'true' },
        },
      ];
    }
    const holder = nodesById.get(container);
    if (!holder) throw new Error(`bug: no container ${container} for edge ${e.id}`);
    (holder.edges ??= []).push(elkEdge);
  }
  const out = await elk.layout(root);
  return collect(out, view);
}

/** ELK's containment: the lowest common ancestor, or the end that contains the other. */
function containerOf(from: string[], to: string[]): string {
  const a = from.at(-1);
  const b = to.at(-1);
  if (a === b) return from.at(-2) ?? ':root';
  if (a !== undefined && to.includes(a)) return a;
  if (b !== undefined && from.includes(b)) return b;
  let common = ':root';
  for (let i = 0; i < Math.min(from.length, to.length) - 1 && from[i] === to[i]; i++)
    common = from[i] ?? common;
  return common;
}

function collect(out: ElkNode, view: StatechartView): StatechartLayout {
  const views = new Map<string, ViewNode>();
  const indexView = (n: ViewNode): void => {
    views.set(n.id, n);
    n.children.forEach(indexView);
  };
  view.roots.forEach(indexView);
  const edgesById = new Map(view.edges.map((e) => [e.id, e] as const));
  const origin = new Map<string, { x: number; y: number }>([[':root', { x: 0, y: 0 }]]);
  const nodes: PlacedNode[] = [];
  const dots: StatechartLayout['dots'] = [];
  const edges: PlacedEdge[] = [];
  const pending: Array<{ edge: ElkExtendedEdge; holder: string }> = [];
  const walk = (n: ElkNode, ox: number, oy: number, level: number): void => {
    const x = ox + (n.x ?? 0);
    const y = oy + (n.y ?? 0);
    origin.set(n.id, { x, y });
    const v = views.get(n.id);
    if (v) nodes.push({ node: v, x, y, width: n.width ?? 0, height: n.height ?? 0, level });
    else if (n.id.endsWith(':initial'))
      dots.push({
        id: n.id.slice(0, -':initial'.length),
        cx: x + metrics.dot / 2,
        cy: y + metrics.dot / 2,
      });
    for (const e of n.edges ?? []) pending.push({ edge: e, holder: n.id });
    for (const c of n.children ?? []) walk(c, x, y, v ? level + 1 : level);
  };
  for (const e of out.edges ?? []) pending.push({ edge: e, holder: ':root' });
  for (const c of out.children ?? []) walk(c, 0, 0, 0);
  for (const { edge, holder } of pending) {
    const v = edgesById.get(edge.id);
    if (!v) continue;
    const o = origin.get(edge.container ?? holder) ?? { x: 0, y: 0 };
    const points = (edge.sections ?? []).flatMap((s) => [
      s.startPoint,
      ...(s.bendPoints ?? []),
      s.endPoint,
    ]);
    const placed: PlacedEdge = {
      edge: v,
      points: points.map((p) => ({ x: o.x + p.x, y: o.y + p.y })),
    };
    const l = edge.labels?.[0];
    if (l)
      placed.label = {
        x: o.x + (l.x ?? 0),
        y: o.y + (l.y ?? 0),
        width: l.width ?? 0,
        height: l.height ?? 0,
      };
    edges.push(placed);
  }
  edges.sort((a, b) => Number(a.edge.id.slice(1)) - Number(b.edge.id.slice(1)));
  return { width: out.width ?? 0, height: out.height ?? 0, nodes, dots, edges };
}
