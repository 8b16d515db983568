import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runCli } from './example-project.js';

describe('stagecraft graph', () => {
  test('exports every machine as Mermaid Markdown, one fenced block per machine', async () => {
    const r = await runCli(['graph', '--machine', 'all', '--format', 'mermaid']);
    expect(r.code).toBe(0);
    for (const m of [
      'deployment',
      'stage',
      'rollout',
      'service',
      'health',
      'monitor',
      'rollback',
      'verification',
      'watch',
      'down',
    ]) {
      expect(r.stdout).toContain(`## ${m}`);
    }
    expect(r.stdout.match(/```mermaid/g)).toHaveLength(10);
  });

  test('writes the plan of the example as SVG to a file, identically on every run', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stagecraft-graph-'));
    try {
      const a = await runCli([
        'graph',
        '--plan',
        '-c',
        'examples/local-stack',
        '--format',
        'svg',
        '-o',
        join(dir, 'a.svg'),
      ]);
      const b = await runCli([
        'graph',
        '--plan',
        '-c',
        'examples/local-stack',
        '--format',
        'svg',
        '-o',
        join(dir, 'b.svg'),
      ]);
      expect([a.code, b.code]).toEqual([0, 0]);
      const svg = await readFile(join(dir, 'a.svg'), 'utf8');
      expect(svg).toContain('<svg');
      expect(svg).toContain('migrate');
      expect(await readFile(join(dir, 'b.svg'), 'utf8')).toBe(svg);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('an unknown machine or format is a usage error naming the valid ones', async () => {
    const m = await runCli(['graph', '--machine', 'stages']);
    expect(m.code).toBe(2);
    expect(m.stderr).toMatch(/deployment, stage, rollout, service/);
    const f = await runCli(['graph', '--machine', 'stage', '--format', 'png']);
    expect(f.code).toBe(2);
    expect(f.stderr).toMatch(/mermaid, dot, svg, scxml, json/);
  });
});
