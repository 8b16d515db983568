/**
 * `stagecraft graph --format html` on the built CLI (`npm run build` first), opened from a file
 * in Debian's headless Chromium through puppeteer-core (never a downloaded browser): the page
 * requests nothing, logs no error, shows every state of every definition, collapses and expands,
 * and lists a clicked state's transitions. UPDATE_CAPTURES=1 also writes the screenshot the
 * README shows to docs/captures/review-page.png.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { machineEntries } from '../../src/export/machine-registry.js';
import { machineModel } from '../../src/export/model.js';
import type { MachineModel } from '../../src/export/model-types.js';
import { ROOT, runBuilt } from './helpers.js';
import { CHROMIUM, hasChromium, launchChromium } from '../shared/chromium.js';

/**
 * The slice of the browser's DOM the page callbacks below use: the type check has no DOM lib
 * (the project runs in Node), so they are typed against this instead of `Element`.
 */
interface DomNode {
  textContent: string | null;
  getAttribute(name: string): string | null;
  querySelector(selector: string): DomNode | null;
  querySelectorAll(selector: string): Iterable<DomNode>;
  checkVisibility(): boolean;
  scrollIntoView(options: { block: 'start' }): void;
}

const models: MachineModel[] = machineEntries().map(([, m]) => machineModel(m));

let dir: string;
let pageFile: string;
let browser: Browser | undefined;
let page: Page;
/** Everything the page did that it must not: requests, console errors, uncaught errors. */
const problems: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stagecraft-review-page-'));
  pageFile = join(dir, 'review.html');
  const r = await runBuilt([
    'graph',
    '--format',
    'html',
    '-c',
    'test/fixtures/review-page',
    '-o',
    pageFile,
  ]);
  expect([r.code, r.stderr, r.stdout]).toEqual([0, '', '']);
  if (!hasChromium) return;
  browser = await launchChromium(20_000);
  page = await browser.newPage();
  page.setDefaultTimeout(10_000);
  await page.setViewport({ width: 1400, height: 900 });
  const url = pathToFileURL(pageFile).href;
  await page.setRequestInterception(true);
  page.on('request', (req) => {
    if (req.url() === url) void req.continue();
    else {
      problems.push(`request: ${req.url()}`);
      void req.abort();
    }
  });
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warn')
      problems.push(`console.${msg.type()}: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${String(err)}`));
  await page.goto(url, { waitUntil: 'load', timeout: 10_000 });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await rm(dir, { recursive: true, force: true });
});

/** The DOM id of a state's box. */
const boxOf = (m: number, id: string): string =>
  `#st-${m}-${models[m]?.states.findIndex((s) => s.id === id) ?? -1}`;

/** Whether the element is rendered (not inside a hidden or collapsed container). */
const visible = (selector: string): Promise<boolean> =>
  page.$eval(selector, (el: DomNode) => el.checkVisibility());

/** A compound state below the root of the deployment machine, and one of its children. */
function nestedCompound(): { m: number; id: string; child: string } {
  for (const [m, model] of models.entries())
    for (const s of model.states)
      if (s.parent !== undefined && s.children.length > 0 && s.children[0] !== undefined)
        return { m, id: s.id, child: s.children[0] };
  throw new Error('no machine has a nested compound state');
}

describe('the file graph --format html writes', () => {
  test('holds no URL, no link or source outside the page, and not the probe credentials', async () => {
    const html = await readFile(pageFile, 'utf8');
    expect(html).not.toMatch(/https?:\/\//i);
    const refs = [...html.matchAll(/\b(?:src|href)\s*=\s*["']?([^"'\s>]*)/gi)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect(ref).toMatch(/^(#|data:)/);
    expect(html).not.toContain('hunter2');
    expect(html).toContain('127.0.0.1:18380/healthz');
  });
});

describe.skipIf(!hasChromium)(
  `the review page in headless Chromium (skipped only when ${CHROMIUM} is absent)`,
  () => {
    test('loads without requests, console errors or page errors, with the plan as inline SVG', async () => {
      expect(
        await page.$$eval('#plan svg text', (ts: DomNode[]) => ts.map((t) => t.textContent)),
      ).toEqual(expect.arrayContaining(['db', 'api', 'migrate']));
      expect(await page.title()).toBe('review-page · local');
      expect(problems).toEqual([]);
    });

    test('shows every state of every definition, walked from the same machines', async () => {
      const shown = await page.$$eval('section.machine', (sections: DomNode[]) =>
        sections.map((s) => ({
          name: s.getAttribute('data-machine'),
          ids: [...s.querySelectorAll('[data-state-id]')].map((e) =>
            e.getAttribute('data-state-id'),
          ),
        })),
      );
      expect(shown).toEqual(
        machineEntries().map(([name], i) => ({ name, ids: models[i]?.states.map((s) => s.id) })),
      );
      for (const [m, model] of models.entries())
        for (const s of model.states)
          expect([s.id, await visible(boxOf(m, s.id))]).toEqual([s.id, true]);
    });

    test('collapsing a state hides its children and expanding shows them again', async () => {
      const { m, id, child } = nestedCompound();
      const toggle = `${boxOf(m, id)} > .head > .toggle`;
      await page.click(toggle);
      expect(await page.$eval(toggle, (b: DomNode) => b.getAttribute('aria-expanded'))).toBe(
        'false',
      );
      expect(await visible(boxOf(m, child))).toBe(false);
      expect(await visible(boxOf(m, id))).toBe(true);
      await page.click(toggle);
      expect(await page.$eval(toggle, (b: DomNode) => b.getAttribute('aria-expanded'))).toBe(
        'true',
      );
      expect(await visible(boxOf(m, child))).toBe(true);

      await page.click('button[data-all="collapse"]');
      expect(await visible(boxOf(m, child))).toBe(false);
      expect(await visible(boxOf(m, models[m]?.id ?? ''))).toBe(true);
      await page.click('button[data-all="expand"]');
      for (const [n, model] of models.entries())
        for (const s of model.states) expect(await visible(boxOf(n, s.id))).toBe(true);
      expect(problems).toEqual([]);
    });

    test('clicking a state lists its transitions, guards, delays, actions and invoked actors in the panel', async () => {
      let guarded = 0;
      let delayed = 0;
      for (const [m, model] of models.entries()) {
        for (const s of model.states) {
          await page.click(`${boxOf(m, s.id)} > .head > .pick`);
          const panel = await page.$eval('aside#panel', (p: DomNode) => ({
            title: p.querySelector('h3')?.textContent,
            id: p.querySelector('.state-id')?.textContent,
            labels: [...p.querySelectorAll('.transition .label')].map((l) => l.textContent),
            invokes: [...p.querySelectorAll('.invoke > code')].map((c) => c.textContent),
            actions: [...p.querySelectorAll('.action')].map((a) => a.textContent),
            text: p.textContent ?? '',
          }));
          const own = model.transitions.filter((t) => t.source === s.id);
          expect({ title: panel.title, id: panel.id }).toEqual({ title: s.key, id: s.id });
          expect(panel.labels).toEqual(expect.arrayContaining(own.map((t) => t.label)));
          expect(panel.labels).toHaveLength(own.length);
          expect(panel.invokes).toEqual(s.invoke.map((i) => i.src));
          expect(panel.actions).toEqual([...s.entry, ...s.exit]);
          for (const t of own) for (const a of t.actions) expect(panel.text).toContain(a);
          guarded += own.filter(
            (t) => t.guard !== undefined && t.label.includes(`[${t.guard}]`),
          ).length;
          delayed += own.filter((t) => t.kind === 'after' && t.label.startsWith('after ')).length;
        }
      }
      expect(guarded).toBeGreaterThan(0);
      expect(delayed).toBeGreaterThan(0);
      expect(problems).toEqual([]);
    });

    test('writes a screenshot of a selected state with its panel', async () => {
      const deployment = models[0];
      const state = deployment?.states.find((s) => s.invoke.length > 0 && s.parent !== undefined);
      expect(state).toBeDefined();
      await page.click('button[data-all="collapse"]');
      await page.click(`${boxOf(0, state?.id ?? '')} > .head > .pick`);
      await page.$eval('section#machine-0', (s: DomNode) => s.scrollIntoView({ block: 'start' }));
      const shot = join(dir, 'review-page.png');
      await page.screenshot({ path: shot, type: 'png' });
      const png = await readFile(shot);
      expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
      expect((await stat(shot)).size).toBeGreaterThan(10_000);
      if (process.env['UPDATE_CAPTURES'] === '1') {
        await mkdir(join(ROOT, 'docs', 'captures'), { recursive: true });
        await copyFile(shot, join(ROOT, 'docs', 'captures', 'review-page.png'));
      }
      expect(problems).toEqual([]);
    });
  },
);
