import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createMachine } from 'xstate';
import { loadConfig } from '../../src/config/load.js';
import { resolvePlan } from '../../src/config/resolve.js';
import { exportPlan, formats, type Format } from '../../src/export/index.js';
import { localStackPlan } from './fixtures/local-stack-plan.js';
import { mermaidCheck } from './mermaid-parse.js';
import { readScxml } from './scxml-read.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const goldenDir = join(root, 'test', 'fixtures', 'golden');
const ext: Record<Exclude<Format, 'svg' | 'html'>, string> = {
  mermaid: 'mmd',
  dot: 'dot',
  scxml: 'scxml',
  json: 'json',
};

describe('exporting a plan', () => {
  const plan = localStackPlan;

  it('draws a Mermaid flowchart the real parser accepts, with every stage, service, probe, dependency, gate and the rollback order', async () => {
    const text = await exportPlan(plan, 'mermaid');
    await mermaidCheck(text);
    expect(text).toMatch(/^---\ntitle: "local-stack · local"\n---\nflowchart TB\n/);
    for (const stage of plan.stages)
      expect(text).toMatch(new RegExp(`subgraph stage_${stage.name}\\[".*${stage.name}`));
    for (const s of Object.values(plan.services)) {
      expect(text).toMatch(new RegExp(`svc_${s.name}\\["${s.name}<br/>${s.kind}`));
      if (s.health) expect(text).toContain(`health: ${s.health.label}`);
      for (const r of s.readiness) expect(text).toContain(`ready: ${r.label}`);
      for (const d of s.dependsOn) expect(text).toContain(`svc_${d} -->|"before"| svc_${s.name}`);
    }
    expect(text).toContain('stage_app_gate{{"confirm app?');
    expect(text).toContain('stage_data ==> stage_app_gate');
    expect(text).toContain('stage_app_gate ==> stage_app');
    plan.rollbackOrder.forEach((name, i) =>
      expect(text).toContain(`rb_${i + 1}["${i + 1}. ${name}"]`),
    );
    expect(text).toContain('rb_1 -.-> rb_2');
  });

  it('draws DOT with stages as clusters that viz renders to SVG', async () => {
    const dot = await exportPlan(plan, 'dot');
    for (const stage of plan.stages)
      expect(dot).toContain(`subgraph "cluster_stage:${stage.name}"`);
    for (const name of Object.keys(plan.services))
      expect(dot).toContain(`"service:${name}" [shape=box`);
    expect(dot).toContain('"gate:app" [shape=hexagon');
    const svg = await exportPlan(plan, 'svg');
    expect(svg).toContain('<svg');
    for (const name of Object.keys(plan.services))
      expect(svg).toContain(`<title>service:${name}</title>`);
  });

  it('describes the plan as a statechart in SCXML and in JSON that XState accepts', async () => {
    const [doc] = readScxml(await exportPlan(plan, 'scxml'));
    const ids = new Set(doc?.states.map((s) => s.id));
    for (const stage of plan.stages) expect(ids.has(`plan.stage-${stage.name}`)).toBe(true);
    expect(ids.has('plan.stage-app.confirm')).toBe(true);
    for (const s of Object.values(plan.services))
      expect(ids.has(`plan.stage-${s.stage}.services.${s.name}.activating`)).toBe(true);
    expect(doc?.invokes.filter((i) => i.src === 'serviceRollback').map((i) => i.id)).toEqual(
      plan.rollbackOrder.map((n) => `rollback-${n}`),
    );
    const json = JSON.parse(await exportPlan(plan, 'json')) as Parameters<typeof createMachine>[0];
    expect(Object.keys(createMachine(json).root.states)).toContain('stage-app');
  });

  it('never shows absolute paths, secret names or credentials in probe URLs', async () => {
    const api = plan.services.api;
    const withCredentials = {
      ...plan,
      services: {
        ...plan.services,
        api: {
          ...api,
          health: { ...api?.health, label: 'http GET http://ops:hunter2@127.0.0.1:18080/healthz' },
        },
      },
    } as typeof plan;
    for (const f of formats) {
      const text = await exportPlan(withCredentials, f);
      expect(text).not.toContain('hunter2');
      expect(text).not.toContain(plan.configDir);
      expect(text).not.toContain('DB_PASSWORD');
    }
  });

  it('exports identical text every time, in every format', async () => {
    for (const f of formats) expect(await exportPlan(plan, f)).toBe(await exportPlan(plan, f));
  });
});

describe('the plan of examples/local-stack', () => {
  it('matches the golden files in every text format (UPDATE_GOLDEN=1 rewrites them)', async () => {
    const loaded = await loadConfig({
      configPath: join(root, 'examples', 'local-stack', 'stagecraft.config.yaml'),
      cwd: root,
    });
    const plan = await resolvePlan(loaded, {});
    for (const [format, suffix] of Object.entries(ext) as Array<
      [Exclude<Format, 'svg' | 'html'>, string]
    >) {
      const text = await exportPlan(plan, format);
      const file = join(goldenDir, `local-stack.plan.${suffix}`);
      if (process.env.UPDATE_GOLDEN === '1') {
        await mkdir(goldenDir, { recursive: true });
        await writeFile(file, text, 'utf8');
      }
      expect(
        text,
        `${file} is out of date: run UPDATE_GOLDEN=1 npx vitest run test/export/plan.test.ts`,
      ).toBe(await readFile(file, 'utf8'));
    }
    await mermaidCheck(await exportPlan(plan, 'mermaid'));
  });
});
