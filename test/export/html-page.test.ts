import { JSDOM } from 'jsdom';
import { describe, expect, it } from 'vitest';
import { createMachine } from 'xstate';
import { exportReview } from '../../src/export/index.js';
import { reviewPage, scriptJson } from '../../src/export/html-page.js';
import { machineModel } from '../../src/export/model.js';
import { sampleMachine } from '../fixtures/machines/sample.machine.js';
import { localStackPlan } from './fixtures/local-stack-plan.js';

/** The slice of jsdom's document the checks read (the type check has no DOM lib). */
interface Doc {
  title: string;
  getElementById(id: string): { textContent: string | null } | null;
  querySelectorAll(selector: string): Iterable<{
    textContent: string | null;
    getAttribute(name: string): string | null;
  }>;
}
const parse = (html: string): Doc => new JSDOM(html).window.document as Doc;

/** A machine whose names try to break out of HTML and of the embedded JSON. */
const hostile = createMachine({
  id: 'hostile',
  initial: '</script><b>x</b>',
  states: {
    '</script><b>x</b>': {
      description: '<img src=x onerror=alert(1)> see https://example.com',
      on: { '<!--go': { target: 'a://b', actions: '</SCRIPT>&amp;' } },
    },
    'a://b': { type: 'final' },
  },
});

describe('the review page', () => {
  it('embeds the models as JSON the page reads back unchanged, and escapes every name in the markup', () => {
    const model = machineModel(hostile);
    const html = reviewPage({ title: 'a </title> b', machines: [{ name: '<m>', model }] });
    expect(html.match(/<\/script/gi)).toHaveLength(2);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toContain('<img');
    const doc = parse(html);
    expect(doc.title).toBe('a </title> b');
    const data = JSON.parse(doc.getElementById('review-data')?.textContent ?? '') as {
      machines: Array<{ name: string; id: string; states: unknown; transitions: unknown }>;
    };
    expect(data.machines).toEqual([
      { name: '<m>', id: 'hostile', states: model.states, transitions: model.transitions },
    ]);
    const ids = [...doc.querySelectorAll('[data-state-id]')].map((e) =>
      e.getAttribute('data-state-id'),
    );
    expect(ids).toEqual(model.states.map((s) => s.id));
    expect([...doc.querySelectorAll('.pick')].map((e) => e.textContent)).toEqual(
      model.states.map((s) => s.key),
    );
    expect([...doc.querySelectorAll('b, img')]).toHaveLength(0);
  });

  it('shows every state of a machine with every feature, badges for kinds and initial states, and invoked actors in their box', () => {
    const model = machineModel(sampleMachine);
    const doc = parse(reviewPage({ title: 'sample', machines: [{ name: 'sample', model }] }));
    const ids = [...doc.querySelectorAll('[data-state-id]')].map((e) =>
      e.getAttribute('data-state-id'),
    );
    expect(ids).toEqual(model.states.map((s) => s.id));
    const badges = [...doc.querySelectorAll('.badge')].map((b) => b.textContent);
    for (const kind of ['parallel', 'final', 'initial', 'shallow history', 'deep history'])
      expect(badges).toContain(kind);
    const invokes = [...doc.querySelectorAll('.facts .invoke')].map((f) => f.textContent);
    expect(invokes.sort()).toEqual(
      model.states.flatMap((s) => s.invoke.map((i) => `invokes ${i.src}`)).sort(),
    );
    const stays = model.transitions.filter((t) => t.targets.length === 0);
    expect([...doc.querySelectorAll('.facts .stay')]).toHaveLength(stays.length);
  });

  it('puts the plan in as inline SVG without prolog or namespace URLs, the same bytes every time', async () => {
    const html = await exportReview(localStackPlan, [['sample', sampleMachine]]);
    expect(html).toBe(await exportReview(localStackPlan, [['sample', sampleMachine]]));
    expect(html).not.toMatch(/<\?xml|<!DOCTYPE svg|xmlns|https?:\/\//);
    const doc = parse(html);
    expect(doc.title).toBe('local-stack · local');
    expect([...doc.querySelectorAll('#plan svg')]).toHaveLength(1);
    const texts = [...doc.querySelectorAll('#plan svg text')].map((t) => t.textContent);
    for (const name of Object.keys(localStackPlan.services)) expect(texts).toContain(name);
  });

  it('writes JSON with no character that could end the script or start markup', () => {
    const text = scriptJson({ a: '</script><!-- & http://x \u2028' });
    expect(text).not.toMatch(/[<>&/\u2028]/);
    expect(JSON.parse(text)).toEqual({ a: '</script><!-- & http://x \u2028' });
  });
});
