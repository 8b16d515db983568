import { pageScript, pageStyle } from './html-page-assets.js';
import type { MachineModel, ModelState } from './model-types.js';
import { stateTree, xmlEscape } from './tree.js';

/** What one review page shows: the plan diagram (SVG text) and any number of statecharts. */
export interface ReviewPageInput {
  title: string;
  plan?: { title: string; svg: string };
  machines: ReadonlyArray<{ name: string; model: MachineModel }>;
}

/**
 * Renders one self-contained HTML page for review: inline CSS and JS, no request to anything at
 * view time. The plan is inline SVG; each statechart is a tree of nested state boxes that
 * collapse and expand; a click on a state lists its transitions, actions and invoked actors in
 * a side panel, read from the models embedded as JSON. Deterministic: the same input gives the
 * same bytes.
 */
export function reviewPage(input: ReviewPageInput): string {
  const nav = [
    ...(input.plan ? [['plan', 'plan'] as const] : []),
    ...input.machines.map((m, i) => [`machine-${i}`, m.name] as const),
  ];
  const data = {
    machines: input.machines.map((m) => ({
      name: m.name,
      id: m.model.id,
      states: m.model.states,
      transitions: m.model.transitions,
    })),
  };
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${text(input.title)}</title>`,
    `<style>${pageStyle}</style>`,
    '</head>',
    '<body>',
    '<header>',
    `<h1>${text(input.title)}</h1>`,
    `<nav>${nav.map(([id, name]) => `<a href="#${id}">${text(name)}</a>`).join(' ')}</nav>`,
    '<div class="controls">',
    '<button type="button" data-all="expand">expand all</button>',
    '<button type="button" data-all="collapse">collapse all</button>',
    '</div>',
    '</header>',
    '<div class="layout">',
    '<main>',
    ...(input.plan ? [planSection(input.plan)] : []),
    ...input.machines.map((m, i) => machineSection(m.name, m.model, i)),
    '</main>',
    '<aside id="panel" aria-live="polite"><p class="hint">Click a state to see its transitions, actions and invoked actors.</p></aside>',
    '</div>',
    `<script type="application/json" id="review-data">${scriptJson(data)}</script>`,
    `<script>${pageScript}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function planSection(plan: { title: string; svg: string }): string {
  return [
    '<section class="plan" id="plan">',
    `<h2>plan <small>${text(plan.title)}</small></h2>`,
    `<div class="diagram">${inlineSvg(plan.svg)}</div>`,
    '</section>',
  ].join('\n');
}

function machineSection(name: string, model: MachineModel, m: number): string {
  const tree = stateTree(model);
  const index = new Map(model.states.map((s, i) => [s.id, i] as const));
  const targetless = new Map<string, string[]>();
  for (const t of model.transitions) {
    if (t.targets.length > 0) continue;
    const actions = t.actions.length > 0 ? ` / ${t.actions.join(', ')}` : '';
    targetless.set(t.source, [...(targetless.get(t.source) ?? []), `${t.label}${actions}`]);
  }
  const box = (s: ModelState): string => {
    const dom = `st-${m}-${index.get(s.id) ?? 0}`;
    const parent = s.parent === undefined ? undefined : tree.get(s.parent);
    const badges = [
      s.type !== 'atomic' ? s.type : '',
      parent?.initial === s.id ? 'initial' : '',
      s.history ? `${s.history} history` : '',
    ].filter((b) => b !== '');
    const facts = [
      ...s.invoke.map((inv) => `<li class="invoke">invokes ${text(inv.src)}</li>`),
      ...(targetless.get(s.id) ?? []).map((l) => `<li class="stay">on ${text(l)}</li>`),
    ];
    const head = [
      s.children.length > 0
        ? `<button type="button" class="toggle" aria-expanded="true" aria-controls="${dom}-c" aria-label="collapse or expand ${attr(s.key)}"></button>`
        : '<span class="leaf"></span>',
      `<button type="button" class="pick" data-pick="${dom}">${text(s.key)}</button>`,
      ...badges.map((b) => `<span class="badge">${text(b)}</span>`),
    ].join('');
    return [
      `<div class="state k-${s.type}" id="${dom}" data-m="${m}" data-s="${index.get(s.id) ?? 0}" data-state-id="${attr(s.id)}">`,
      `<div class="head">${head}</div>`,
      ...(facts.length > 0 ? [`<ul class="facts">${facts.join('')}</ul>`] : []),
      ...(s.children.length > 0
        ? [
            `<div class="children${s.type === 'parallel' ? ' regions' : ''}" id="${dom}-c">`,
            ...s.children.map((c) => box(tree.get(c))),
            '</div>',
          ]
        : []),
      '</div>',
    ].join('\n');
  };
  return [
    `<section class="machine" id="machine-${m}" data-machine="${attr(name)}">`,
    `<h2>${text(name)} <small>statechart</small></h2>`,
    box(tree.get(model.id)),
    '</section>',
  ].join('\n');
}

/**
 * Graphviz's SVG made fit for inline use in HTML: no XML prolog, doctype or comments, no
 * namespace URLs (HTML's parser puts `<svg>` in the SVG namespace itself), and `://` in labels
 * written as a character reference so the page holds no URL at all.
 */
function inlineSvg(svg: string): string {
  const start = svg.indexOf('<svg');
  return (start < 0 ? svg : svg.slice(start))
    .replace(/<!--[^]*?-->/g, '')
    .replace(/\s+xmlns(:\w+)?="[^"]*"/g, '')
    .replace(/:\/\//g, ':&#47;&#47;')
    .trim();
}

/** Text for HTML content: escaped, with `://` as a reference (labels are not links). */
function text(s: string): string {
  return xmlEscape(s).replace(/:\/\//g, ':&#47;&#47;');
}

const attr = text;

/**
 * JSON safe inside `<script>`: `<`, `>`, `&`, `/` and the JS line separators as `\u` escapes,
 * so no `</script`, `<!--` or URL can appear in the raw text; `JSON.parse` reads them back.
 */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&/\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
