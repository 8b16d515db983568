import { afterEach, describe, expect, test } from 'vitest';
import { engineStack, type EngineStack } from './engine-stack.js';
import { pgrpOf } from './proc-watch.js';

/** The start of any ANSI escape sequence (colour, cursor). */
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[`);
const stacks: EngineStack[] = [];
afterEach(async () => {
  await Promise.all(stacks.splice(0).map((s) => s.cleanup()));
});

async function stack(name: string, ports: string[]): Promise<EngineStack> {
  const s = await engineStack(name, ports);
  stacks.push(s);
  return s;
}

describe('deploy output without a terminal', () => {
  test('--json writes only parseable lines with ts, type and the deployment id, ending with deployment.finished', async () => {
    const s = await stack('ok', ['SVC_PORT']);
    const r = await s.run(['deploy', '--yes', '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout.split('\n');
    expect(lines.pop()).toBe('');
    const events = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.length).toBeGreaterThan(5);
    for (const e of events) {
      expect(typeof e.type).toBe('string');
      expect(Number.isNaN(Date.parse(String(e.ts)))).toBe(false);
      expect(e.deploymentId).toMatch(/^\d{8}-\d{6}-[0-9a-f]{4}$/);
    }
    expect(events.filter((e) => e.type === 'deployment.finished')).toHaveLength(1);
    expect(events.at(-1)).toMatchObject({
      type: 'deployment.finished',
      result: 'succeeded',
      exitCode: 0,
    });
    expect(r.stdout).not.toMatch(ANSI);
    // Only the registered process service outlives the CLI, as it should.
    const groups = new Set(s.registryPids());
    expect(groups.size).toBe(1);
    const service = new Set([...r.watcher.seen].filter((pid) => groups.has(pgrpOf(pid) ?? -1)));
    expect(service.size).toBeGreaterThan(0);
    expect(r.watcher.survivors(service)).toEqual([]);
  });

  test('a failing --json run also ends with deployment.finished carrying its result and exit code', async () => {
    const s = await stack('crash', ['DB_PORT', 'CRASH_PORT']);
    const r = await s.run(['deploy', '--yes', '--json']);
    expect(r.code).toBe(1);
    const events = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.every((e) => typeof e.ts === 'string' && typeof e.type === 'string')).toBe(true);
    expect(events.at(-1)).toMatchObject({
      type: 'deployment.finished',
      result: 'failed',
      exitCode: 1,
    });
  });

  test('line output has no ANSI escapes without a terminal, whether NO_COLOR is set or not', async () => {
    const s = await stack('crash', ['DB_PORT', 'CRASH_PORT']);
    const withNoColor = await s.run(['deploy', '--yes', '--plain'], { NO_COLOR: '1' });
    const withoutNoColor = await s.run(['deploy', '--yes'], { NO_COLOR: undefined, CI: undefined });
    for (const r of [withNoColor, withoutNoColor]) {
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/crasher: failed/);
      expect(r.stdout).not.toMatch(ANSI);
      expect(r.stderr).not.toMatch(ANSI);
    }
  });
});
