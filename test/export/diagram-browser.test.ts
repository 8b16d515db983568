import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, hasChromium, launchChromium } from '../shared/chromium.js';
import { boxViolations, readGeometry, type SvgText } from './svg-geometry.js';

const docs = resolve(import.meta.dirname, '..', '..', 'docs', 'diagrams');
// The stacked `show` picture (the plan above a statechart, nested <svg>s) is the plan and the
// deployment statechart drawn here on their own; the geometry test checks its parts.
const svgs = (await readdir(docs))
  .filter((f) => f.endsWith('.svg') && !f.startsWith('show-'))
  .sort();

/** How far the browser's text boxes may be from the computed ones. */
const TOLERANCE = { px: 3, widthShare: 0.15 };

describe.skipIf(!hasChromium)(
  `the diagram SVGs in headless Chromium (skipped when ${CHROMIUM} is absent: apt-get install chromium)`,
  () => {
    let browser: Browser | undefined;
    let page: Page | undefined;
    beforeAll(async () => {
      browser = await launchChromium(30_000);
      page = await browser.newPage();
      page.setDefaultTimeout(20_000);
    }, 40_000);
    afterAll(async () => {
      await browser?.close();
    });

    it.each(svgs)(
      'docs/diagrams/%s: the browser draws every text where the layout measured it, and no two overlap',
      async (file) => {
        if (!page) throw new Error('no page');
        const svg = await readFile(join(docs, file), 'utf8');
        await page.setContent(
          `<!DOCTYPE html><html><body style="margin:0">${svg.replace(/^<\?xml[^>]*>\s*(<!DOCTYPE[^>]*>)?/, '')}</body></html>`,
          { waitUntil: 'load', timeout: 20_000 },
        );
        // Runs in the page (a string, so the test's types need no DOM library): each text's box
        // in the SVG's own coordinates, through any transform on the way.
        const measured = (await page.evaluate(`(() => {
          const inverse = document.querySelector('svg').getScreenCTM().inverse();
          return [...document.querySelectorAll('text')].map((t) => {
            const b = t.getBBox();
            const m = inverse.multiply(t.getScreenCTM());
            return {
              text: t.textContent,
              box: { x: b.x * m.a + m.e, y: b.y * m.d + m.f, width: b.width * m.a, height: b.height * m.d },
            };
          });
        })()`)) as SvgText[];
        const { texts, rects } = readGeometry(svg);
        expect(measured.map((t) => t.text)).toEqual(texts.map((t) => t.text));
        texts.forEach((computed, i) => {
          const real = measured[i]?.box;
          if (!real) throw new Error(`no browser box for "${computed.text}"`);
          const c = computed.box;
          const what = `"${computed.text}": browser ${JSON.stringify(real)}, computed ${JSON.stringify(c)}`;
          expect(Math.abs(real.x - c.x), what).toBeLessThanOrEqual(TOLERANCE.px);
          expect(Math.abs(real.y - c.y), what).toBeLessThanOrEqual(TOLERANCE.px);
          expect(Math.abs(real.height - c.height), what).toBeLessThanOrEqual(TOLERANCE.px);
          expect(Math.abs(real.width - c.width), what).toBeLessThanOrEqual(
            Math.max(TOLERANCE.px, TOLERANCE.widthShare * c.width),
          );
        });
        expect(boxViolations(measured, rects)).toEqual([]);
      },
      30_000,
    );
  },
);
