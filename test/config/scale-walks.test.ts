/**
 * The graph and `extends` walks at scale: a 20,000-service chain and a 3,000-deep `extends`
 * chain are walked without running out of stack and in linear time, and the walks give exactly
 * what the recursive ones gave (checked against them on seeded random graphs).
 */
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  checkEnvironments,
  environmentChain,
  selectEnvironment,
} from '../../src/config/environments.js';
import { checkGraph } from '../../src/config/graph.js';
import { dependencyLayers, findCycles, topoOrder } from '../../src/config/graph-walks.js';
import { resolvePlan } from '../../src/config/resolve.js';
import { validateConfig } from '../../src/config/validate.js';
import { configError, planOf } from './helpers.js';
import {
  oldDependencyLayers,
  oldEnvironmentChain,
  oldExtendsIssues,
  oldFindCycles,
  oldTopoOrder,
} from './scale-walks-oracle.js';

/** `n` services s0..s(n-1), each depending on the next one: the deepest walk, listed first. */
function chain(
  n: number,
  closed = false,
): Record<string, { activate: string; dependsOn: string[] }> {
  const services: Record<string, { activate: string; dependsOn: string[] }> = {};
  for (let i = 0; i < n; i++) {
    const next = i + 1 < n ? [`s${i + 1}`] : closed ? ['s0'] : [];
    services[`s${i}`] = { activate: 'true', dependsOn: next };
  }
  return services;
}

/** mulberry32: a tiny seeded PRNG returning floats in [0, 1). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('graph walks at scale', () => {
  test('a 20,000-service chain listed dependents first validates, with one layer per service and the last service first', () => {
    const n = 20_000;
    const config = validateConfig({ services: chain(n) });
    const layers = dependencyLayers(config.services);
    expect(layers).toHaveLength(n);
    expect(layers[0]).toEqual({ name: 'layer-1', services: [`s${n - 1}`] });
    expect(layers[n - 1]).toEqual({ name: `layer-${n}`, services: ['s0'] });
    const order = topoOrder(config.services, layers);
    expect(order[0]).toBe(`s${n - 1}`);
    expect(order[n - 1]).toBe('s0');
    const oneStage = topoOrder(config.services, [
      { name: 'all', services: Object.keys(config.services) },
    ]);
    expect(oneStage).toEqual(order);
  });

  test('a 20,000-long dependency cycle is reported once, from the first service listed', () => {
    const n = 20_000;
    const services = chain(n, true);
    const issues = checkGraph(services, undefined);
    expect(issues).toHaveLength(1);
    const names = Array.from({ length: n }, (_, i) => `s${i}`);
    expect(issues[0]).toMatchObject({
      path: 'services.s0.dependsOn',
      message: `dependency cycle: ${[...names, 's0'].join(' → ')}`,
    });
  });

  test('10,000 dependents of a misspelt service are each reported with the suggestion, in linear time', () => {
    const n = 10_000;
    const services: Record<string, { dependsOn: string[] }> = { database: { dependsOn: [] } };
    for (let i = 0; i < n; i++) services[`s${i}`] = { dependsOn: ['databse'] };
    const issues = checkGraph(services, undefined);
    expect(issues).toHaveLength(n);
    expect(issues[n - 1]).toEqual({
      path: `services.s${n - 1}.dependsOn[0]`,
      message: `"s${n - 1}" depends on unknown service "databse"`,
      hint: 'did you mean "database"?',
    });
  }, 10_000); // one suggestion per misspelt name: well under a second (one per issue took minutes)

  test('200,000 problems in one config are 200,000 issues, not a stack overflow', async () => {
    const n = 200_000;
    const services: Record<string, unknown> = {};
    for (let i = 0; i < n; i++)
      services[`s${i}`] = { activate: 'true', health: { http: 'http://${NOPE}/healthz' } };
    const config = validateConfig({ services });
    const dir = path.join(os.tmpdir(), 'stagecraft-scale-issues');
    const loaded = { config, filePath: path.join(dir, 'stagecraft.config.yaml'), dir, text: '' };
    const err = await configError(resolvePlan(loaded));
    expect(err.issues).toHaveLength(n);
    expect(err.issues[n - 1]?.message).toBe('unknown variable ${NOPE}');
  });

  test('a 3,000-deep extends chain validates, and its deepest environment has every ancestor’s variables', async () => {
    const n = 3_000;
    const envs = ['environments:'];
    for (let i = 0; i < n; i++) {
      envs.push(`  e${i}:`, `    vars: { V${i}: "v${i}", LAST: "e${i}" }`);
      if (i > 0) envs.push(`    extends: e${i - 1}`);
    }
    const yaml = `services:\n  api:\n    activate: "true"\n${envs.join('\n')}\n`;
    const plan = await planOf(yaml, { env: `e${n - 1}` });
    expect(plan.environment).toBe(`e${n - 1}`);
    expect(plan.vars.V0?.value).toBe('v0');
    expect(plan.vars[`V${n - 1}`]?.value).toBe(`v${n - 1}`);
    expect(plan.vars.LAST?.value).toBe(`e${n - 1}`);
  });

  test('a 3,000-long extends cycle is reported once, from the first environment, and -e still names the chain', () => {
    const n = 3_000;
    const environments: Record<string, { vars: Record<string, string>; extends: string }> = {};
    for (let i = 0; i < n; i++) environments[`e${i}`] = { vars: {}, extends: `e${(i + 1) % n}` };
    const issues = checkEnvironments({ environments }, {});
    expect(issues).toHaveLength(1);
    const names = Array.from({ length: n }, (_, i) => `e${i}`);
    expect(issues[0]).toMatchObject({
      path: 'environments.e0.extends',
      message: `environment extends cycle: ${[...names, 'e0'].join(' → ')}`,
    });
    expect(selectEnvironment({ environments }, 'e5')).toBe('e5');
    expect(environmentChain({ environments }, 'e5')).toHaveLength(n);
  }, 10_000); // linear: well under a second (the cubic walk took 30 s)
});

describe('the iterative walks give exactly what the recursive ones gave', () => {
  test('cycles, layers, stable orders and extends issues agree on 400 seeded random graphs', () => {
    const rand = prng(11);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    for (let round = 0; round < 400; round++) {
      const size = 1 + Math.floor(rand() * 12);
      const names = Array.from({ length: size }, (_, i) => `n${i}`);
      // Unknown names, self-dependencies and repeats included: the walks must cope with them.
      const pool = [...names, 'ghost', 'toString'];
      const services: Record<string, { dependsOn: string[] }> = {};
      for (const name of names) {
        const deps = Array.from({ length: Math.floor(rand() * 4) }, () => pick(pool));
        services[name] = { dependsOn: deps };
      }
      const stages = Array.from({ length: 1 + Math.floor(rand() * 3) }, (_, s) => ({
        name: `st${s}`,
        services: Array.from({ length: Math.floor(rand() * (size + 2)) }, () => pick(pool)),
      }));
      const layers = dependencyLayers(services);
      expect(findCycles(services)).toEqual(oldFindCycles(services));
      expect(layers).toEqual(oldDependencyLayers(services));
      expect(topoOrder(services, layers)).toEqual(oldTopoOrder(services, layers));
      expect(topoOrder(services, stages)).toEqual(oldTopoOrder(services, stages));

      const environments: Record<string, { vars: Record<string, string>; extends?: string }> = {};
      for (const name of names)
        environments[name] = rand() < 0.8 ? { vars: {}, extends: pick(pool) } : { vars: {} };
      const issues = checkEnvironments({ environments }, {}).map((i) => [i.path, i.message]);
      const expected = oldExtendsIssues(environments).map(([path, message]) => [path, message]);
      // The unknown-target issues also carry a did-you-mean hint; the order and text must match.
      expect(issues).toEqual(expected);
      for (const name of names)
        expect(environmentChain({ environments }, name)).toEqual(
          oldEnvironmentChain(environments, name),
        );
    }
  });
});
