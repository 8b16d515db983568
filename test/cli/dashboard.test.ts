import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { hasStackTrace, makeProject, removeProject, runBuilt } from './helpers.js';

interface Dashboard {
  title: string;
  refresh: string;
  panels: Array<{ type: string; title: string }>;
  templating: { list: Array<{ name?: string; current?: { value?: string[] } }> };
}

const CONFIG = `name: shop
services:
  api:
    process: "node -e \\"setInterval(() => {}, 1000)\\""
    health: { tcp: "127.0.0.1:1" }
environments:
  staging: {}
  production:
    monitoring:
      dashboard: { title: "Shop deployments", refresh: 1m, file: out/dashboard.json }
`;

let dir: string | undefined;
afterEach(async () => {
  await removeProject(dir);
  dir = undefined;
});

/** The environment the dashboard's variable preselects. */
function preselected(d: Dashboard): string[] | undefined {
  return d.templating.list.find((v) => v.name === 'environment')?.current?.value;
}

describe('stagecraft dashboard', () => {
  test('prints a Grafana dashboard with panels for every environment of a config without monitoring settings', async () => {
    dir = await makeProject({
      'stagecraft.config.yaml': CONFIG.replace(/production:\n[^]*$/, 'production: {}\n'),
    });
    const r = await runBuilt(['dashboard', '-e', 'staging'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const d = JSON.parse(r.stdout) as Dashboard;
    expect(d.title).toBe('stagecraft · shop');
    expect(d.panels.length).toBeGreaterThan(3);
    expect(preselected(d)).toEqual(['staging']);
  });

  test('writes to monitoring.dashboard.file relative to the config folder', async () => {
    dir = await makeProject({ 'stagecraft.config.yaml': CONFIG });
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(dir, 'out'));
    const r = await runBuilt(['dashboard', '-e', 'production'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('dashboard.json');
    const d = JSON.parse(await readFile(join(dir, 'out', 'dashboard.json'), 'utf8')) as Dashboard;
    expect(d.title).toBe('Shop deployments');
    expect(d.refresh).toBe('1m');
    expect(preselected(d)).toEqual(['production']);
    expect(d.panels.some((p) => p.type !== 'row')).toBe(true);
  });

  test('-o writes the file it names, relative to the working folder', async () => {
    dir = await makeProject({ 'stagecraft.config.yaml': CONFIG });
    const r = await runBuilt(['dashboard', '-e', 'staging', '-o', 'grafana.json'], { cwd: dir });
    expect(r.code).toBe(0);
    const d = JSON.parse(await readFile(join(dir, 'grafana.json'), 'utf8')) as Dashboard;
    expect(d.panels.length).toBeGreaterThan(3);
  });

  test('a path that cannot be written is a clear error, exit 2, without a stack trace', async () => {
    dir = await makeProject({ 'stagecraft.config.yaml': CONFIG });
    const r = await runBuilt(['dashboard', '-e', 'staging', '-o', 'missing/folder/d.json'], {
      cwd: dir,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot write .*d\.json: the folder .* does not exist/);
    expect(hasStackTrace(r.stderr)).toBe(false);
    const own = await runBuilt(['dashboard', '-e', 'production'], { cwd: dir });
    expect(own.code).toBe(2);
    expect(own.stderr).toContain('does not exist');
    expect(hasStackTrace(own.stderr)).toBe(false);
  });
});
