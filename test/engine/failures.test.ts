import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { engineStack, lockHeld, markerPids, ndjson, type EngineStack } from './engine-stack.js';
import { isGone } from './proc-watch.js';

const stacks: EngineStack[] = [];
afterEach(async () => {
  await Promise.all(stacks.splice(0).map((s) => s.cleanup()));
});

async function stack(name: string, ports: string[] = []): Promise<EngineStack> {
  const s = await engineStack(name, ports);
  stacks.push(s);
  return s;
}

describe('failures of a deployment, end to end', () => {
  test('an activation past its timeout has its whole tree killed, is retried per policy and fails naming the timeout', async () => {
    const s = await stack('timeout');
    const r = await s.run(['deploy', '--yes', '--json']);
    expect(r.code).toBe(1);
    expect(s.marker('hang.runs')).toHaveLength(3);
    // 3 attempts × (sh + 2 sleep grandchildren), every one of them dead.
    const pids = markerPids(s.dir);
    expect(pids).toHaveLength(9);
    expect(pids.filter((pid) => !isGone(pid))).toEqual([]);
    expect(r.watcher.survivors()).toEqual([]);

    const events = ndjson(r.stdout);
    const attempts = events
      .filter((e) => e.service === 'hang' && e.state === 'activating')
      .map((e) => `${String(e.attempt)}/${String(e.maxAttempts)}`);
    expect(attempts).toEqual(['1/3', '2/3', '3/3']);
    const failed = events.find((e) => e.service === 'hang' && e.state === 'failed');
    expect(failed?.reason).toMatch(/timed out after 0\.3 s \(attempt 3\/3/);
    expect(events.at(-1)).toMatchObject({
      type: 'deployment.finished',
      result: 'failed',
      exitCode: 1,
    });
    expect(String(events.at(-1)?.reason)).toMatch(/timed out/);
    expect(lockHeld(s.stateDir)).toBe(false);
  });

  test('a process service that crashes right after start fails at once with its exit code and log tail, and the rollback stops the stack', async () => {
    const s = await stack('crash', ['DB_PORT', 'CRASH_PORT']);
    const r = await s.run(['deploy', '--yes', '--json']);
    expect(r.code).toBe(1);
    const events = ndjson(r.stdout);
    const failed = events.find((e) => e.service === 'crasher' && e.state === 'failed');
    expect(failed?.reason).toMatch(
      /^crasher exited with code 3 while checking health, \d+\.\d s after it started \(pid \d+; log: .*crasher\.log; last output: "crash: fatal: cannot read settings \(exit 3\)"\)$/,
    );
    expect(failed?.failure).toMatchObject({ kind: 'exited', exitCode: 3, statusKnown: true });
    expect(failed?.logTail).toContain('crash: fatal: cannot read settings (exit 3)');
    // Noticed when it exited, not when the probe's budget ran out.
    expect(events.some((e) => e.service === 'crasher' && e.state === 'unhealthy')).toBe(false);
    expect(r.stdout).not.toMatch(/ECONNREFUSED ×3/);
    const rolledBack = events.filter((e) => e.state === 'rolled-back').map((e) => e.service);
    expect(rolledBack).toEqual(['crasher', 'db']);
    expect(events.at(-1)).toMatchObject({
      type: 'deployment.finished',
      result: 'failed',
      exitCode: 1,
    });
    expect(s.registryPids()).toEqual([]);
    expect(r.watcher.survivors()).toEqual([]);

    const plain = await s.run(['deploy', '--yes', '--plain']);
    expect(plain.code).toBe(1);
    expect(plain.stdout).toMatch(
      /crasher: failed — crasher exited with code 3[^\n]*\n\s+│ crash: fatal: cannot read settings/,
    );
    expect(plain.watcher.survivors()).toEqual([]);
  });

  test('prerequisites that are not met exit 1 before anything starts, with no rollback and the lock released', async () => {
    const s = await stack('version-mismatch', ['SVC_PORT']);
    const r = await s.run(['deploy', '--yes', '--plain']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/prerequisites not met: software node: \S+ does not satisfy >=999/);
    expect(r.stdout).not.toMatch(/rolling-back|rolled-back|restored/);
    expect(r.stdout).not.toMatch(/── (preparing|activating)/);
    expect(existsSync(join(s.dir, 'markers'))).toBe(false);
    expect(s.registryPids()).toEqual([]);
    expect(lockHeld(s.stateDir)).toBe(false);
    // The only processes it ran were the version check.
    expect(r.watcher.survivors()).toEqual([]);
  });
});
