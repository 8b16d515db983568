import { boxLines, layoutStatechart, metrics, type StatechartLayout } from './elk-layout.js';
import type { MachineModel } from './model-types.js';
import { statechartView, type StatechartOptions } from './statechart-view.js';
import { FONT_FAMILY, baselineOffset, textWidth } from './text-measure.js';
import { xmlEscape } from './tree.js';

export type { StatechartOptions } from './statechart-view.js';

const MARGIN = 8;

/**
 * Renders a machine as an SVG statechart laid out by ELK: nested states as nested rounded boxes
 * with their invokes, entry/exit actions and targetless transitions listed inside, initial dots,
 * double-bordered final states, one orthogonal edge per target with its label where ELK put it.
 * `depth` collapses deeper states, `state` draws one region, `highlight` marks states and edges
 * and adds notes under titles. Every text has explicit x, y, font-size and font-weight so its
 * box can be computed from the SVG alone.
 */
export async function renderStatechartSvg(
  model: MachineModel,
  options: StatechartOptions = {},
): Promise<string> {
  const layout = await layoutStatechart(statechartView(model, options));
  return svgDocument([{ title: model.id, layout }]);
}

/** Several laid-out statecharts stacked top to bottom in one SVG document. */
export async function renderStatechartsSvg(
  entries: Array<[string, MachineModel]>,
): Promise<string> {
  const parts = [];
  for (const [name, model] of entries)
    parts.push({ title: name, layout: await layoutStatechart(statechartView(model)) });
  return svgDocument(parts);
}

const n = (v: number): string => String(Math.round(v * 10) / 10);

function svgDocument(parts: Array<{ title: string; layout: StatechartLayout }>): string {
  const width = Math.max(...parts.map((p) => p.layout.width)) + 2 * MARGIN;
  const height = parts.reduce((h, p) => h + p.layout.height, 0) + 2 * MARGIN;
  const body: string[] = [];
  let top = MARGIN;
  for (const p of parts) {
    body.push(...drawLayout(p.layout, MARGIN, top, p.title));
    top += p.layout.height;
  }
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${n(width)}" height="${n(height)}" viewBox="0 0 ${n(width)} ${n(height)}" font-family="${xmlEscape(FONT_FAMILY)}">`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#333"/></marker>' +
      '<marker id="arrow-marked" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#c2410c"/></marker></defs>',
    `<rect class="background" x="0" y="0" width="${n(width)}" height="${n(height)}" fill="#ffffff"/>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

const fills = ['#f8fafc', '#eef2f7', '#e4eaf2', '#dae2ed'];

function drawLayout(layout: StatechartLayout, dx: number, dy: number, title: string): string[] {
  const out: string[] = [`<g class="statechart" data-machine="${xmlEscape(title)}">`];
  const texts: string[] = [];
  const backs: string[] = [];
  const text = (
    x0: number,
    y: number,
    raw: string,
    size: number,
    bold: boolean,
    cls: string,
  ): void => {
    // Continuation lines are indented by position: SVG collapses leading spaces.
    const s = raw.trimStart();
    const x = x0 + textWidth(raw.slice(0, raw.length - s.length), size, bold);
    texts.push(
      `<text class="${cls}" x="${n(x)}" y="${n(y)}" font-size="${size}" font-weight="${bold ? 'bold' : 'normal'}"${cls === 'note' ? ' fill="#c2410c"' : ' fill="#111"'}>${xmlEscape(s)}</text>`,
    );
  };
  for (const p of layout.nodes) {
    const { node } = p;
    const x = dx + p.x;
    const y = dy + p.y;
    const fill = node.marked
      ? '#fff1d6'
      : node.kind === 'exit'
        ? '#ffffff'
        : (fills[p.level % fills.length] ?? '#fff');
    const stroke = node.marked ? '#c2410c' : '#334155';
    const dash = node.kind === 'parallel' || node.kind === 'exit' ? ' stroke-dasharray="5 3"' : '';
    const rx = node.kind === 'history' ? Math.min(p.width, p.height) / 2 : 6;
    out.push(
      `<rect class="state" data-state="${xmlEscape(node.id)}"${node.marked ? ' data-marked="true"' : ''} x="${n(x)}" y="${n(y)}" width="${n(p.width)}" height="${n(p.height)}" rx="${n(rx)}" fill="${fill}" stroke="${stroke}" stroke-width="${node.marked ? 3 : 1.2}"${dash}/>`,
    );
    if (node.kind === 'final')
      out.push(
        `<rect class="final-inner" x="${n(x + 3)}" y="${n(y + 3)}" width="${n(p.width - 6)}" height="${n(p.height - 6)}" rx="4" fill="none" stroke="${stroke}" stroke-width="1"/>`,
      );
    let line = y + metrics.padY;
    for (const l of boxLines(node)) {
      text(
        x + metrics.padX,
        line + baselineOffset(l.size) + (metrics.lineHeight - l.size * 1.17) / 2,
        l.text,
        l.size,
        l.bold,
        l.cls,
      );
      line += metrics.lineHeight;
    }
  }
  for (const d of layout.dots)
    out.push(
      `<circle class="initial" data-state="${xmlEscape(d.id)}" cx="${n(dx + d.cx)}" cy="${n(dy + d.cy)}" r="${metrics.dot / 2}" fill="#111"/>`,
    );
  for (const e of layout.edges) {
    if (e.points.length < 2) continue;
    const d = e.points
      .map((p, i) => `${i === 0 ? 'M' : 'L'}${n(dx + p.x)},${n(dy + p.y)}`)
      .join(' ');
    const color = e.edge.marked ? '#c2410c' : '#333';
    const dash = e.edge.kind === 'history' ? ' stroke-dasharray="4 3"' : '';
    out.push(
      `<path class="edge" data-from="${xmlEscape(e.edge.from)}" data-to="${xmlEscape(e.edge.to)}"${e.edge.marked ? ' data-marked="true"' : ''} d="${d}" fill="none" stroke="${color}" stroke-width="${e.edge.marked ? 2.5 : 1}"${dash} marker-end="url(#${e.edge.marked ? 'arrow-marked' : 'arrow'})"/>`,
    );
    if (e.label) {
      // The label sits on its own edge (inline): a backing keeps the line from striking it out.
      backs.push(
        `<rect class="label-back" x="${n(dx + e.label.x)}" y="${n(dy + e.label.y)}" width="${n(e.label.width)}" height="${n(e.label.height)}" rx="3" fill="#ffffff" fill-opacity="0.92"/>`,
      );
      let line = dy + e.label.y + metrics.labelPad;
      e.edge.lines.forEach((s, i) => {
        text(
          dx + e.label!.x + metrics.labelPad,
          line +
            baselineOffset(metrics.textSize) +
            (metrics.lineHeight - metrics.textSize * 1.17) / 2,
          s,
          metrics.textSize,
          false,
          i === 0 ? 'label' : 'label-actions',
        );
        line += metrics.lineHeight;
      });
    }
  }
  out.push(...backs, ...texts, '</g>');
  return out;
}
