import { spawn } from 'node:child_process';
import { afterEach, describe, expect, test } from 'vitest';
import type { ResolvedPlan } from '../../src/config/plan-types.js';
import { BIN, MINIMAL_CONFIG, ROOT, makeProject, removeProject, runBuilt } from './helpers.js';

let dir: string | undefined;
afterEach(async () => {
  await removeProject(dir);
  dir = undefined;
});

const SECRET = 'hunter2-very-secret';

describe('stagecraft plan', () => {
  test('text output shows stages in order, services, probes, provenance and the rollback order', async () => {
    const r = await runBuilt(['plan', '-c', 'examples/local-stack', '--var', 'API_PORT=19090']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = r.stdout;
    expect(out).toContain('environment local');
    expect(out.indexOf('1. data')).toBeLessThan(out.indexOf('2. app'));
    expect(out.indexOf('2. app')).toBeLessThan(out.indexOf('3. edge'));
    expect(out).toMatch(/API_PORT\s+= "19090"\s+from cli --var/);
    expect(out).toMatch(
      /RELEASE\s+= "2026\.11\.26"\s+from .*stagecraft\.config\.yaml environments\.local\.vars\.RELEASE/,
    );
    expect(out).toMatch(/LOG_LEVEL\s+= "info"\s+from .*config\/local\.yaml/);
    expect(out).toContain('http GET http://127.0.0.1:19090/healthz');
    expect(out).toMatch(/rollback order: +web → /);
  });

  test('--json parses, and every stage comes after the stages of its dependencies', async () => {
    const r = await runBuilt(['plan', '--json', '-c', 'examples/local-stack']);
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout) as ResolvedPlan & { secrets: string[] };
    expect(plan.environment).toBe('local');
    const stageIndex = new Map<string, number>();
    plan.stages.forEach((s, i) => s.services.forEach((name) => stageIndex.set(name, i)));
    for (const svc of Object.values(plan.services)) {
      for (const dep of svc.dependsOn)
        expect(stageIndex.get(dep)!).toBeLessThanOrEqual(stageIndex.get(svc.name)!);
    }
    expect(plan.rollbackOrder).toEqual([...plan.activationOrder].reverse());
    expect(plan.secrets).toEqual([]);
  });

  test('a secret is listed by name and masked, and its value never appears even when set', async () => {
    dir = await makeProject({
      'stagecraft.config.yaml': `secrets: [DB_PASSWORD]\n${MINIMAL_CONFIG}`,
    });
    const env = { DB_PASSWORD: SECRET };
    const text = await runBuilt(['plan', '--var', `ECHO=${SECRET}`], { cwd: dir, env });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      /DB_PASSWORD\s+= ••••••\s+secret, from the operator's environment \(set\)/,
    );
    expect(text.stdout + text.stderr).not.toContain(SECRET);
    const json = await runBuilt(['plan', '--json'], { cwd: dir, env });
    expect(json.code).toBe(0);
    expect((JSON.parse(json.stdout) as { secrets: string[] }).secrets).toEqual(['DB_PASSWORD']);
    expect(json.stdout).not.toContain(SECRET);
  });

  test('a reader that closes the pipe early does not crash the CLI', async () => {
    const child = spawn(process.execPath, [BIN, 'plan', '--json', '-c', 'examples/local-stack'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((done) => child.on('close', (c) => done(c)));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});
