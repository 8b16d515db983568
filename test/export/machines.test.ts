import { describe, expect, it } from 'vitest';
import { createMachine } from 'xstate';
import { exportMachine, formats } from '../../src/export/index.js';
import { mermaidIds } from '../../src/export/tree.js';
import { definitionOf, labelToken, transitionKey, type DefTransition } from './definition.js';
import { machinesUnderTest } from './machines.js';
import { mermaidCheck } from './mermaid-parse.js';
import { readScxml } from './scxml-read.js';

const machines = await machinesUnderTest();

/** Takes from `pool` the first edge that satisfies `match`; fails naming the transition when none does. */
function take<T>(pool: T[], match: (e: T) => boolean, what: string): void {
  const i = pool.findIndex(match);
  expect(i, `missing: ${what}`).toBeGreaterThanOrEqual(0);
  pool.splice(i, 1);
}

const pairs = (t: DefTransition): string[] => (t.targets.length === 0 ? [t.source] : t.targets);
const labelOk = (label: string, t: DefTransition): boolean =>
  label.includes(labelToken(t)) && (!t.guarded || /\[.+\]/.test(label));

describe.each(machines)('the %s machine', (name, machine) => {
  const def = definitionOf(machine);

  it('exports to JSON that XState rebuilds into a machine with the same states and transitions', async () => {
    const json = JSON.parse(await exportMachine(machine, name, 'json')) as Parameters<
      typeof createMachine
    >[0];
    const rebuilt = definitionOf(createMachine(json));
    expect(rebuilt.states).toEqual(def.states);
    expect(rebuilt.transitions.map(transitionKey)).toEqual(def.transitions.map(transitionKey));
    expect(rebuilt.transitions.map((t) => t.guarded)).toEqual(
      def.transitions.map((t) => t.guarded),
    );
  });

  it('exports SCXML that parses as XML and round-trips every state and transition', async () => {
    const [doc] = readScxml(await exportMachine(machine, name, 'scxml'));
    expect(doc?.initial).toBe(machine.root.id);
    const tagOf = {
      atomic: 'state',
      compound: 'state',
      parallel: 'parallel',
      final: 'final',
      history: 'history',
    } as Record<string, string>;
    const states = (doc?.states ?? []).map((s) => `${s.id} ${s.tag}`).sort();
    expect(states).toEqual(def.states.map((s) => `${s.id} ${tagOf[s.type]}`).sort());
    expect(doc?.transitions.length).toBe(def.transitions.length);
    expect([...(doc?.transitions ?? [])].map(transitionKey).sort()).toEqual(
      def.transitions.map(transitionKey).sort(),
    );
    expect(doc?.transitions.filter((t) => t.cond).length).toBe(
      def.transitions.filter((t) => t.guarded).length,
    );
  });

  it('exports DOT with a node for every state and a labelled edge for every transition', async () => {
    const dot = await exportMachine(machine, name, 'dot');
    const nodes = new Set([...dot.matchAll(/^\s*"([^"]+)" \[/gm)].map((m) => m[1]));
    for (const s of def.states) expect(nodes.has(s.id), `state ${s.id}`).toBe(true);
    const edges = [...dot.matchAll(/^\s*"([^"]+)" -> "([^"]+)" \[(.*)\];$/gm)].map((m) => ({
      from: m[1],
      to: m[2],
      label: /label="((?:[^"\\]|\\.)*)"/.exec(m[3] ?? '')?.[1] ?? '',
    }));
    const pool = edges.filter((e) => e.label !== '' && e.label !== 'history default');
    for (const t of def.transitions)
      for (const to of pairs(t))
        take(
          pool,
          (e) => e.from === t.source && e.to === to && labelOk(e.label, t),
          `${transitionKey(t)} -> ${to}`,
        );
    expect(pool).toEqual([]);
  });

  it('draws an SVG statechart with a box per state, an edge per transition target and the targetless transitions inside their state', async () => {
    const svg = await exportMachine(machine, name, 'svg');
    expect(svg.startsWith('<?xml')).toBe(true);
    const boxes = new Set(
      [...svg.matchAll(/<rect class="state" data-state="([^"]+)"/g)].map((m) => m[1]),
    );
    for (const s of def.states) expect(boxes.has(xmlText(s.id)), `state ${s.id}`).toBe(true);
    const edges = new Set(
      [...svg.matchAll(/<path class="edge" data-from="([^"]+)" data-to="([^"]+)"/g)].map(
        (m) => `${m[1]} -> ${m[2]}`,
      ),
    );
    const texts = [...svg.matchAll(/<text [^>]*>([^<]*)<\/text>/g)].map((m) => m[1] ?? '');
    for (const t of def.transitions) {
      if (t.targets.length === 0) {
        const token = xmlText(labelToken(t));
        expect(
          texts.some((x) => x.includes(token)),
          `targetless ${transitionKey(t)} listed in its state`,
        ).toBe(true);
      } else
        for (const to of t.targets)
          expect(
            edges.has(`${xmlText(t.source)} -> ${xmlText(to)}`),
            `${transitionKey(t)} -> ${to}`,
          ).toBe(true);
    }
  });

  it('exports Mermaid that the real mermaid parser accepts, with every state and transition', async () => {
    const text = await exportMachine(machine, name, 'mermaid');
    await mermaidCheck(text);
    const ids = mermaidIds(def.states.map((s) => s.id));
    for (const s of def.states)
      expect(text, `state ${s.id}`).toMatch(
        new RegExp(`state "[^"]*" as ${ids.get(s.id) ?? '?'}\\b`),
      );
    const pool = [...text.matchAll(/^\s*(\w+) --> (\w+) : (.*)$/gm)]
      .map((m) => ({ from: m[1], to: m[2], label: m[3] ?? '' }))
      .filter((e) => e.label !== 'history default');
    for (const t of def.transitions) {
      for (const to of pairs(t))
        take(
          pool,
          (e) => e.from === ids.get(t.source) && e.to === ids.get(to) && labelOk(e.label, t),
          `${transitionKey(t)} -> ${to}`,
        );
    }
    expect(pool).toEqual([]);
  });

  it('exports identical text every time, in every format', async () => {
    for (const f of formats)
      expect(await exportMachine(machine, name, f)).toBe(await exportMachine(machine, name, f));
  });
});

/** How the SVG writes text and attribute values. */
function xmlText(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}
