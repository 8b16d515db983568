/**
 * Validation is linear in the config's size: four times the input may cost at most eight times
 * the time (a quadratic step costs sixteen, a cubic one sixty-four). Measured in-process, the
 * best of interleaved runs after a warm-up, so a loaded machine slows both sizes alike; the
 * bound is generous on purpose. Only the two steps whose old cost stood out clearly enough to be
 * told from noise on a shared 2-core machine are here (the YAML duplicate-key check, the
 * `extends` walk); the graph checks' growth is measured by `npm run bench`
 * (bench/validate-scale.mjs), which prints the absolute figures.
 */
import { describe, expect, test } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { parseYamlText } from '../../src/config/parse-text.js';
import { resolvePlan } from '../../src/config/resolve.js';
import { project } from './helpers.js';

/** A YAML mapping of `n` services whose commands hold `&&` (the precise YAML parser's case). */
function servicesYaml(n: number): string {
  const lines = ['services:'];
  for (let i = 0; i < n; i++) lines.push(`  s${i}: { activate: 'cd /tmp && echo ${i}' }`);
  return `${lines.join('\n')}\n`;
}

/** One service and `n` environments, each extending the one before it. */
function extendsConfig(n: number): string {
  const lines = ['services:', '  api:', "    activate: 'true'", 'environments:'];
  for (let i = 0; i < n; i++) {
    lines.push(`  e${i}:`, `    vars: { V${i}: "v${i}" }`);
    if (i > 0) lines.push(`    extends: e${i - 1}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * The best wall times (ms) of `work(n)` and `work(4 * n)` over `runs` interleaved rounds, after
 * one warm-up each (interleaved, so a burst of load on the machine slows both sizes), and their
 * ratio, with the figures as an assertion message.
 */
async function growth(n: number, work: (n: number) => () => unknown, runs = 3) {
  const small = work(n);
  const large = work(4 * n);
  const time = async (w: () => unknown): Promise<number> => {
    const started = performance.now();
    await w();
    return performance.now() - started;
  };
  await time(small);
  await time(large);
  let t1 = Infinity;
  let t4 = Infinity;
  for (let i = 0; i < runs; i++) {
    t1 = Math.min(t1, await time(small));
    t4 = Math.min(t4, await time(large));
  }
  return { ratio: t4 / t1, text: `n=${n}: ${t1.toFixed(0)} ms, 4n: ${t4.toFixed(0)} ms` };
}

describe('validation grows linearly with the config', () => {
  test('the precise YAML parser reads a mapping of 4× the keys in < 8× the time', async () => {
    const g = await growth(4_000, (n) => {
      const text = servicesYaml(n);
      return () => parseYamlText(text, 'stagecraft.config.yaml');
    });
    expect(g.ratio, g.text).toBeLessThan(8);
  });

  test('a 4× deeper extends chain is validated and resolved in < 8× the time', async () => {
    const dirs = new Map<number, string>();
    for (const n of [300, 1_200])
      dirs.set(n, await project({ 'stagecraft.config.yaml': extendsConfig(n) }));
    const g = await growth(300, (n) => async () => {
      await resolvePlan(await loadConfig({ cwd: dirs.get(n)! }), { env: `e${n - 1}` });
    });
    expect(g.ratio, g.text).toBeLessThan(8);
  });
});
