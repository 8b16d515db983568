import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { exportMachine, exportMachines } from '../../src/export/index.js';
import { writeDocs } from '../../src/export/write-docs.js';
import { localStackPlan } from './fixtures/local-stack-plan.js';
import { machinesUnderTest } from './machines.js';
import { mermaidCheck } from './mermaid-parse.js';
import { readScxml } from './scxml-read.js';

const machines = await machinesUnderTest();

describe('exporting all machines at once', () => {
  it('writes Markdown with one parseable Mermaid block per machine, in order', async () => {
    const md = await exportMachines(machines, 'mermaid');
    expect([...md.matchAll(/^## (\S+)$/gm)].map((m) => m[1])).toEqual(machines.map(([n]) => n));
    const blocks = [...md.matchAll(/```mermaid\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
    expect(blocks).toHaveLength(machines.length);
    for (const b of blocks) await mermaidCheck(b);
  });

  it('draws one DOT graph with a cluster per machine', async () => {
    const dot = await exportMachines(machines, 'dot');
    for (const [name, m] of machines)
      expect(dot).toContain(`subgraph "cluster_${name}/${m.root.id}"`);
  });

  it('draws one SVG with every laid-out statechart, one below the other, in order', async () => {
    const svg = await exportMachines(machines, 'svg');
    expect(
      [...svg.matchAll(/<g class="statechart" data-machine="([^"]+)">/g)].map((m) => m[1]),
    ).toEqual(machines.map(([n]) => n));
    for (const [, m] of machines) expect(svg).toContain(`data-state="${m.root.id}"`);
  });

  it('writes one XML document holding an SCXML element per machine', async () => {
    const docs = readScxml(await exportMachines(machines, 'scxml'));
    expect(docs.map((d) => d.name)).toEqual(machines.map(([, m]) => m.root.id));
  });

  it('writes one JSON object keyed by machine name holding each machine config', async () => {
    const all = JSON.parse(await exportMachines(machines, 'json')) as Record<string, unknown>;
    expect(Object.keys(all)).toEqual(machines.map(([n]) => n));
    for (const [name, m] of machines)
      expect(all[name]).toEqual(JSON.parse(await exportMachine(m, name, 'json')));
  });
});

describe('writeDocs', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('writes a .mmd and an .svg per machine and for the plan, identical on a second run', async () => {
    dir = await mkdtemp(join(tmpdir(), 'stagecraft-docs-'));
    const first = await writeDocs(dir, machines, localStackPlan);
    const names = machines
      .flatMap(([n]) => [`${n}.mmd`, `${n}.svg`])
      .concat(['plan.mmd', 'plan.svg']);
    expect(first).toEqual(names.map((n) => join(dir ?? '', n)));
    expect((await readdir(dir)).sort()).toEqual([...names].sort());
    const before = await Promise.all(first.map((f) => readFile(f, 'utf8')));
    await writeDocs(dir, machines, localStackPlan);
    expect(await Promise.all(first.map((f) => readFile(f, 'utf8')))).toEqual(before);
    await mermaidCheck(before[names.indexOf('plan.mmd')] ?? '');
    expect(before[names.indexOf('plan.svg')]).toContain('<svg');
  });
});
