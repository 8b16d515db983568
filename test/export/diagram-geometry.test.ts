import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportMachine } from '../../src/export/index.js';
import { machineEntries } from '../../src/export/machine-registry.js';
import { machineModel } from '../../src/export/model.js';
import { renderStatechartSvg } from '../../src/export/svg-statechart.js';
import { machinesUnderTest } from './machines.js';
import { geometryViolations, readGeometry } from './svg-geometry.js';

const docs = resolve(import.meta.dirname, '..', '..', 'docs', 'diagrams');
const svgs = (await readdir(docs)).filter((f) => f.endsWith('.svg')).sort();
const machines = await machinesUnderTest();
/** The pictures of paths (`plan --fail`, `show --format svg`) are not one machine each. */
const paths = (f: string): boolean => f.startsWith('what-if-') || f.startsWith('show-');
const statecharts = svgs.filter((f) => f !== 'plan.svg' && !paths(f));

/**
 * The pictures an SVG document holds: a stacked one (`show --format svg`: the plan above the
 * statechart, each a nested `<svg x y>` with coordinates of its own) is checked part by part.
 */
function pictures(svg: string): string[] {
  const parts = svg.split(/(?=<svg x=")/).slice(1);
  if (parts.length === 0) return [svg];
  return parts.map(
    (p) => `<svg xmlns="http://www.w3.org/2000/svg">${p.replace(/^<svg[^>]*>/, '')}`,
  );
}

describe('the readability of the statechart SVGs, measured on their geometry', () => {
  it('catches overlapping texts and a text across a state border (the check itself)', () => {
    const svg = [
      '<svg xmlns="http://www.w3.org/2000/svg">',
      '<rect class="state" data-state="m.a" x="0" y="0" width="100" height="40"/>',
      '<text x="10" y="20" font-size="12" font-weight="normal">inside</text>',
      '<text x="14" y="24" font-size="12" font-weight="normal">on top</text>',
      '<text x="80" y="60" font-size="12" font-weight="normal">across the border</text>',
      '<text x="80" y="30" font-size="12" font-weight="normal">half in</text>',
      '<text x="10" y="100" font-size="12" font-weight="bold">clear</text>',
      '</svg>',
    ].join('\n');
    expect(geometryViolations(svg)).toEqual([
      '"inside" overlaps "on top"',
      '"half in" crosses the border of m.a',
    ]);
    expect(readGeometry(svg).texts).toHaveLength(5);
  });

  it.each(svgs)(
    'docs/diagrams/%s has no overlapping texts and no text across a border',
    async (file) => {
      for (const svg of pictures(await readFile(join(docs, file), 'utf8'))) {
        expect(readGeometry(svg).texts.length).toBeGreaterThan(0);
        expect(geometryViolations(svg)).toEqual([]);
      }
    },
  );

  it('covers every machine in docs/diagrams', () => {
    expect(statecharts).toEqual(
      machineEntries()
        .map(([n]) => `${n}.svg`)
        .sort(),
    );
  });

  it.each(machines)(
    'the %s statechart, freshly rendered, draws every state and keeps its texts apart, whole and at --depth 1',
    async (name, machine) => {
      const model = machineModel(machine);
      const whole = await exportMachine(machine, name, 'svg');
      expect(geometryViolations(whole)).toEqual([]);
      const drawn = new Set(readGeometry(whole).rects.map((r) => r.state));
      for (const s of model.states) expect(drawn.has(s.id), `state ${s.id}`).toBe(true);

      const overview = await exportMachine(machine, name, 'svg', { depth: 1 });
      expect(geometryViolations(overview)).toEqual([]);
      const top = readGeometry(overview);
      const shown = new Set(top.rects.map((r) => r.state));
      for (const s of model.states)
        expect(shown.has(s.id), `state ${s.id} at depth ${s.path.length}`).toBe(s.path.length <= 1);
      for (const s of model.states.filter((x) => x.path.length === 1 && x.children.length > 0)) {
        const box = top.rects.find((r) => r.state === s.id)?.box;
        const within = (t: { box: typeof box }): boolean =>
          box !== undefined &&
          t.box !== undefined &&
          t.box.x > box.x &&
          t.box.y > box.y &&
          t.box.x + t.box.width < box.x + box.width &&
          t.box.y + t.box.height < box.y + box.height;
        expect(
          top.texts.some((t) => /^\+ \d+ states$/.test(t.text) && within(t)),
          `${s.id} collapsed with its count of states`,
        ).toBe(true);
      }
    },
    60_000,
  );

  it('marks highlighted states and edges, and keeps their notes clear of every other text', async () => {
    const model = machineModel(machineEntries()[0]?.[1] ?? expect.fail('no machines'));
    const ids = model.states.map((s) => s.id);
    const notes = Object.fromEntries(
      ids.map((id, i) => [id, `${(i * 1.3).toFixed(1)} s, retry by alice`]),
    );
    const edge = { from: 'deployment.validating', to: 'deployment.preparing' };
    const svg = await renderStatechartSvg(model, {
      highlight: {
        states: ['deployment.validating', 'deployment.preparing'],
        edges: [edge],
        notes,
      },
    });
    expect(geometryViolations(svg)).toEqual([]);
    expect(readGeometry(svg).texts.filter((t) => t.text.endsWith('retry by alice'))).toHaveLength(
      ids.length,
    );
    expect([...svg.matchAll(/data-state="([^"]+)" data-marked="true"/g)].map((m) => m[1])).toEqual([
      'deployment.validating',
      'deployment.preparing',
    ]);
    expect(svg).toContain(`data-from="${edge.from}" data-to="${edge.to}" data-marked="true"`);
  }, 60_000);

  it('puts a mark on a state hidden by --depth onto the collapsed box that stands for it', async () => {
    const model = machineModel(machineEntries()[0]?.[1] ?? expect.fail('no machines'));
    const svg = await renderStatechartSvg(model, {
      depth: 1,
      highlight: {
        states: ['deployment.finalizing.watching'],
        edges: [{ from: 'deployment.finalizing.watching', to: 'deployment.rollingBack' }],
      },
    });
    expect([...svg.matchAll(/data-state="([^"]+)" data-marked="true"/g)].map((m) => m[1])).toEqual([
      'deployment.finalizing',
    ]);
    expect(svg).toContain(
      'data-from="deployment.finalizing" data-to="deployment.rollingBack" data-marked="true"',
    );
  }, 60_000);
});
