/**
 * Validation is linear in the config's size: four times the input may cost at most eight times
 * the time (a quadratic step costs sixteen, a cubic one sixty-four). Measured in-process, the
 * best of several runs after a warm-up, so a loaded machine slows both sizes alike; the bound
 * is generous on purpose. `npm run bench` (bench/validate-scale.mjs) prints the absolute figures.
 */
import { describe, expect, test } from 'vitest';
import { dependencyLayers, topoOrder } from '../../src/config/graph.js';
import { loadConfig } from '../../src/config/load.js';
import { parseYamlText } from '../../src/config/parse-text.js';
import { resolvePlan } from '../../src/config/resolve.js';
import { validateConfig } from '../../src/config/validate.js';
import { project } from './helpers.js';

/**
 * `n` services in four stages (the second one sequential), each depending on the one before it
 * in its stage and on its twin in the stage before: plain data, as the YAML parser returns it.
 */
function servicesData(n: number): Record<string, unknown> {
  const per = Math.ceil(n / 4);
  const services: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) {
    const dependsOn = [];
    if (i % per > 0) dependsOn.push(`s${i - 1}`);
    if (i >= per) dependsOn.push(`s${i - per}`);
    services[`s${i}`] = { activate: `echo ${i}`, dependsOn };
  }
  const stages = [0, 1, 2, 3].map((s) => ({
    name: `st${s}`,
    parallel: s !== 1,
    services: Object.keys(services).slice(s * per, (s + 1) * per),
  }));
  return { name: 'growth', services, stages };
}

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

/** Best wall time (ms) of `runs` calls of `work`, after one warm-up call. */
async function bestOf(work: () => unknown, runs: number): Promise<number> {
  await work();
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await work();
    best = Math.min(best, performance.now() - started);
  }
  return best;
}

/** The times of `work(n)` and `work(4 * n)` and their ratio, as an assertion message. */
async function growth(n: number, work: (n: number) => () => unknown, runs = 3) {
  const t1 = await bestOf(work(n), runs);
  const t4 = await bestOf(work(4 * n), runs);
  return { ratio: t4 / t1, text: `n=${n}: ${t1.toFixed(0)} ms, 4n: ${t4.toFixed(0)} ms` };
}

describe('validation grows linearly with the config', () => {
  test('the graph checks and orders of 4× the services (stages, a sequential one) cost < 8× the time', async () => {
    const g = await growth(5_000, (n) => {
      const data = servicesData(n);
      return () => {
        const config = validateConfig(data);
        const stages = config.stages ?? [];
        topoOrder(config.services, stages);
        topoOrder(config.services, dependencyLayers(config.services));
      };
    });
    expect(g.ratio, g.text).toBeLessThan(8);
  });

  test('the precise YAML parser reads a mapping of 4× the keys in < 8× the time', async () => {
    const g = await growth(
      4_000,
      (n) => {
        const text = servicesYaml(n);
        return () => parseYamlText(text, 'stagecraft.config.yaml');
      },
      2,
    );
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
