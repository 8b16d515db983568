import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { watch, type FSWatcher } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import {
  acquireLock,
  readLock,
  releaseLock,
  releaseLockSync,
  takeOverLock,
  unlock,
  type LockInfo,
} from '../../src/state/locks.js';
import { ensureStateDir } from '../../src/state/format.js';
import { statePaths } from '../../src/state/layout.js';

let stateDir: string;
let children: ChildProcess[] = [];
let watchers: FSWatcher[] = [];

beforeEach(async () => {
  stateDir = join(await mkdtemp(join(tmpdir(), 'stagecraft-lock-')), '.stagecraft');
});

afterEach(async () => {
  for (const w of watchers) w.close();
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  watchers = [];
  children = [];
  await rm(join(stateDir, '..'), { recursive: true, force: true });
});

function info(deploymentId: string, patch: Partial<LockInfo> = {}): LockInfo {
  return {
    environment: 'staging',
    deploymentId,
    user: 'ops',
    host: hostname(),
    pid: process.pid,
    startedAt: '2026-11-26T08:15:30.000Z',
    command: 'stagecraft deploy -e staging',
    ...patch,
  };
}

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise<void>((resolve) => child.once('exit', () => resolve()));
  if (child.pid === undefined) throw new Error('spawn failed');
  return child.pid;
}

describe('acquireLock', () => {
  it('takes a free lock, and a second acquirer gets the live holder back', async () => {
    expect(await acquireLock(stateDir, info('d1'))).toEqual({ ok: true });
    expect(await acquireLock(stateDir, info('d2'))).toEqual({
      ok: false,
      holder: info('d1'),
      stale: false,
    });
    expect(await readLock(stateDir, 'staging')).toEqual({ info: info('d1'), stale: false });
    expect(await readdir(statePaths.locks(stateDir))).toEqual(['staging.json']);
  });

  it('reports a lock held by a dead pid as stale and does not take it', async () => {
    const dead = await deadPid();
    await acquireLock(stateDir, info('d1', { pid: dead }));
    const result = await acquireLock(stateDir, info('d2'));
    expect(result).toEqual({ ok: false, holder: info('d1', { pid: dead }), stale: true });
    expect((await readLock(stateDir, 'staging'))?.info.deploymentId).toBe('d1');
  });

  it('does not call a lock from another host stale, since its pid cannot be checked', async () => {
    const dead = await deadPid();
    await acquireLock(stateDir, info('d1', { pid: dead, host: 'elsewhere.example' }));
    expect(await readLock(stateDir, 'staging')).toMatchObject({ stale: false });
  });

  it('with waitMs, acquires once the holder releases', async () => {
    await acquireLock(stateDir, info('d1'));
    // Gate on the waiter's first attempt: it writes a candidate file beside the lock.
    const attempted = new Promise<void>((resolve) => {
      const w = watch(statePaths.locks(stateDir), (_event, name) => {
        if (name?.endsWith('.tmp') === true) resolve();
      });
      watchers.push(w);
    });
    let settled = false;
    const waiting = acquireLock(stateDir, info('d2'), { waitMs: 20_000, pollMs: 20 }).finally(
      () => {
        settled = true;
      },
    );
    await attempted;
    expect(settled).toBe(false);
    await releaseLock(stateDir, 'staging', 'd1');
    expect(await waiting).toEqual({ ok: true });
    expect((await readLock(stateDir, 'staging'))?.info.deploymentId).toBe('d2');
  });

  it('stops waiting when its signal aborts and returns the holder', async () => {
    await acquireLock(stateDir, info('d1'));
    const controller = new AbortController();
    const waiting = acquireLock(stateDir, info('d2'), {
      waitMs: 60_000,
      pollMs: 10,
      signal: controller.signal,
    });
    controller.abort();
    expect(await waiting).toMatchObject({ ok: false, holder: { deploymentId: 'd1' } });
  });

  it('lets exactly one of two concurrent real processes win, round after round', async () => {
    await ensureStateDir(stateDir);
    const fixture = join(import.meta.dirname, '../fixtures/durability/lock-contender.ts');
    const contenders = ['a', 'b'].map((name) => {
      const child = spawn(process.execPath, ['--import', 'tsx', fixture, stateDir, name], {
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      children.push(child);
      const lines = createInterface({ input: child.stdout });
      const next = () => new Promise<string>((resolve) => lines.once('line', resolve));
      return { child, next, ready: next() };
    });
    await Promise.all(contenders.map((c) => c.ready));
    for (let round = 0; round < 10; round += 1) {
      const env = `round-${round}`;
      const answers = contenders.map((c) => c.next());
      // Both are already loaded and waiting: one write each starts them within microseconds.
      for (const c of contenders) c.child.stdin?.write(`${env}\n`);
      const results = (await Promise.all(answers)).map((l) => JSON.parse(l) as { ok: boolean });
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      const winner = results[0]?.ok === true ? `${env}-a` : `${env}-b`;
      expect((await readLock(stateDir, env))?.info.deploymentId).toBe(winner);
    }
    for (const c of contenders) c.child.stdin?.end();
  });
});

describe('releaseLock', () => {
  it('removes our own lock', async () => {
    await acquireLock(stateDir, info('d1'));
    await releaseLock(stateDir, 'staging', 'd1');
    expect(await readLock(stateDir, 'staging')).toBeUndefined();
  });

  it('leaves someone else’s lock in place, also on the synchronous exit path', async () => {
    await acquireLock(stateDir, info('d1'));
    await releaseLock(stateDir, 'staging', 'd2');
    releaseLockSync(stateDir, 'staging', 'd2');
    expect((await readLock(stateDir, 'staging'))?.info.deploymentId).toBe('d1');
    releaseLockSync(stateDir, 'staging', 'd1');
    expect(await readLock(stateDir, 'staging')).toBeUndefined();
  });
});

describe('takeOverLock', () => {
  it('lets a resume take over the lock of the same deployment whose owner is dead', async () => {
    const dead = await deadPid();
    await acquireLock(stateDir, info('d1', { pid: dead }));
    expect(await takeOverLock(stateDir, info('d1'), { deploymentId: 'd1' })).toEqual({ ok: true });
    expect(await readLock(stateDir, 'staging')).toEqual({ info: info('d1'), stale: false });
  });

  it('refuses a live holder, and a holder other than the expected deployment', async () => {
    await acquireLock(stateDir, info('d1'));
    expect(await takeOverLock(stateDir, info('d2'))).toMatchObject({
      ok: false,
      holder: { deploymentId: 'd1' },
      stale: false,
    });
    const dead = await deadPid();
    await unlock(stateDir, 'staging', { force: true });
    await acquireLock(stateDir, info('d1', { pid: dead }));
    expect(await takeOverLock(stateDir, info('d3'), { deploymentId: 'd2' })).toMatchObject({
      ok: false,
      stale: true,
    });
  });

  it('lets exactly one of several concurrent takers win a stale lock', async () => {
    const dead = await deadPid();
    await acquireLock(stateDir, info('d1', { pid: dead }));
    const results = await Promise.all(
      ['r1', 'r2', 'r3', 'r4'].map((id) => takeOverLock(stateDir, info(id))),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    const winner = ['r1', 'r2', 'r3', 'r4'][results.findIndex((r) => r.ok)];
    expect((await readLock(stateDir, 'staging'))?.info.deploymentId).toBe(winner);
    expect(await readdir(statePaths.locks(stateDir))).toEqual(['staging.json']);
  });

  it('takes a live holder’s lock only when forced', async () => {
    await acquireLock(stateDir, info('d1'));
    expect(await takeOverLock(stateDir, info('d2'), undefined, { force: true })).toEqual({
      ok: true,
    });
    expect((await readLock(stateDir, 'staging'))?.info.deploymentId).toBe('d2');
  });
});

describe('unlock', () => {
  it('refuses a live holder without force, naming it and what to do', async () => {
    await acquireLock(stateDir, info('d1'));
    const result = await unlock(stateDir, 'staging', { force: false });
    expect(result.removed).toBe(false);
    expect(result.holder?.deploymentId).toBe('d1');
    expect(result.reason).toMatch(/locked by deployment d1 by ops@.*pid \d+.*--force/);
    expect(await readLock(stateDir, 'staging')).toBeDefined();
  });

  it('removes a live holder’s lock with force, and a stale lock without', async () => {
    await acquireLock(stateDir, info('d1'));
    expect(await unlock(stateDir, 'staging', { force: true })).toMatchObject({
      removed: true,
      reason: 'forced',
    });
    const dead = await deadPid();
    await acquireLock(stateDir, info('d2', { pid: dead }));
    expect(await unlock(stateDir, 'staging', { force: false })).toMatchObject({
      removed: true,
      holder: { deploymentId: 'd2' },
    });
    expect(await readLock(stateDir, 'staging')).toBeUndefined();
  });

  it('says so when there is no lock', async () => {
    expect(await unlock(stateDir, 'staging', { force: false })).toEqual({
      removed: false,
      reason: 'environment staging is not locked',
    });
  });
});
