/**
 * The built CLI on long dependency chains (listed dependents first, so every walk goes as deep
 * as the chain): `validate`, `plan` and every `graph --plan` format succeed at 2,500 services,
 * the cheap ones also at 20,000; a plan SVG above the documented limit is refused at once (exit
 * 2, naming the formats that have no limit) instead of laying out for minutes and crashing.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SVG_MAX_SERVICES } from '../../src/export/index.js';
import { hasStackTrace, runBuilt } from '../cli/helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stagecraft-scale-chain-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A project of `n` services s0..s(n-1), each depending on the next one; returns its config path. */
async function chainProject(n: number): Promise<string> {
  const lines = [`name: chain${n}`, 'services:'];
  for (let i = 0; i < n; i++) {
    lines.push(`  s${i}:`, "    activate: 'true'");
    if (i + 1 < n) lines.push(`    dependsOn: [s${i + 1}]`);
  }
  const file = join(dir, `chain-${n}.yaml`);
  await writeFile(file, `${lines.join('\n')}\n`);
  return file;
}

/** Runs the built CLI and expects exit 0 with no output on stderr. */
async function ok(args: string[]): Promise<string> {
  const r = await runBuilt(args);
  expect(r.stderr, args.join(' ')).toBe('');
  expect(r.code, args.join(' ')).toBe(0);
  return r.stdout;
}

describe('long dependency chains through the built CLI', () => {
  test('a 2,500-service chain: validate, plan and graph --plan in mermaid, dot, json and scxml succeed', async () => {
    const n = 2_500;
    const config = await chainProject(n);
    expect(await ok(['validate', '--no-prerequisites', '-c', config])).toContain(
      `${n} services in ${n} dependency layers`,
    );
    const plan = JSON.parse(await ok(['plan', '--json', '-c', config])) as {
      activationOrder: string[];
    };
    expect(plan.activationOrder[0]).toBe(`s${n - 1}`);
    expect(plan.activationOrder.at(-1)).toBe('s0');
    expect(await ok(['plan', '-c', config])).toContain(`layer-${n}`);
    const mermaid = await ok(['graph', '--plan', '-c', config]);
    expect(mermaid.match(/-->\|"before"\|/g)).toHaveLength(n - 1);
    const dot = await ok(['graph', '--plan', '--format', 'dot', '-c', config]);
    expect(dot.match(/\[label="before"\]/g)).toHaveLength(n - 1);
    type Node = { states?: Record<string, Node> };
    const json = JSON.parse(
      await ok(['graph', '--plan', '--format', 'json', '-c', config]),
    ) as Node;
    const regions = json.states?.['stage-all']?.states?.services?.states ?? {};
    expect(Object.keys(regions)).toHaveLength(n);
    const scxml = await ok(['graph', '--plan', '--format', 'scxml', '-c', config]);
    expect(scxml).toContain(`id="plan.rollingBack.rollback-s${n - 1}"`);
  }, 90_000);

  test('a 20,000-service chain: validate, plan --json and graph --plan in mermaid and dot succeed', async () => {
    const n = 20_000;
    const config = await chainProject(n);
    expect(await ok(['validate', '--no-prerequisites', '-c', config])).toContain(
      `${n} services in ${n} dependency layers`,
    );
    const plan = JSON.parse(await ok(['plan', '--json', '-c', config])) as {
      activationOrder: string[];
    };
    expect(plan.activationOrder).toHaveLength(n);
    expect(plan.activationOrder[0]).toBe(`s${n - 1}`);
    expect((await ok(['graph', '--plan', '-c', config])).match(/-->\|"before"\|/g)).toHaveLength(
      n - 1,
    );
    expect(
      (await ok(['graph', '--plan', '--format', 'dot', '-c', config])).match(/label="before"/g),
    ).toHaveLength(n - 1);
  }, 90_000);

  test('a plan SVG of 10,000 services is refused at once: exit 2, the limit and what to use instead', async () => {
    const config = await chainProject(10_000);
    const r = await runBuilt(['graph', '--plan', '--format', 'svg', '-c', config]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `stagecraft: the plan has 10000 services, too many to lay out as SVG (at most ${SVG_MAX_SERVICES}: Graphviz's layout time grows much faster than the graph); use --format dot and render it with Graphviz (dot -Tsvg, or sfdp -Tsvg for large graphs), or --format mermaid\n`,
    );
    expect(hasStackTrace(r.stderr)).toBe(false);
  });
});
