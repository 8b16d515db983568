import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../../src/state/files.js';
import { readJournal, type Journal } from '../../src/state/journal.js';
import {
  createDeployment,
  latestInterrupted,
  listDeployments,
  newDeploymentId,
  readMeta,
  updateMeta,
  type DeploymentMeta,
} from '../../src/state/meta.js';
import { ensureStateDir } from '../../src/state/format.js';
import { statePaths } from '../../src/state/layout.js';
import { Masker } from '../../src/core/mask.js';

let stateDir: string;
let journals: Journal[] = [];

beforeEach(async () => {
  stateDir = join(await mkdtemp(join(tmpdir(), 'stagecraft-store-')), '.stagecraft');
});

afterEach(async () => {
  for (const j of journals) await j.close();
  journals = [];
  await rm(join(stateDir, '..'), { recursive: true, force: true });
});

/** The pid of a real process that has exited (reaped by us, so /proc no longer has it). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise<void>((resolve) => child.once('exit', () => resolve()));
  if (child.pid === undefined) throw new Error('spawn failed');
  return child.pid;
}

function meta(id: string, patch: Partial<DeploymentMeta> = {}): DeploymentMeta {
  return {
    id,
    environment: 'staging',
    project: 'shop',
    startedAt: new Date().toISOString(),
    user: 'ops',
    host: hostname(),
    pid: process.pid,
    command: 'stagecraft deploy -e staging',
    configHash: 'sha256:abc',
    machineVersion: '1',
    status: 'running',
    ...patch,
  };
}

async function create(m: DeploymentMeta, secretValues: string[] = []): Promise<Journal> {
  const { journal } = await createDeployment(stateDir, m, { mask: new Masker(secretValues) });
  journals.push(journal);
  return journal;
}

describe('state directory', () => {
  it('is created with format.json of the current format', async () => {
    await ensureStateDir(stateDir);
    expect(JSON.parse(await readFile(join(stateDir, 'format.json'), 'utf8'))).toEqual({
      format: 1,
    });
    await ensureStateDir(stateDir);
  });

  it('refuses a future format with a clear message saying what to do', async () => {
    await mkdir(stateDir, { recursive: true });
    await writeFile(join(stateDir, 'format.json'), '{ "format": 2 }\n');
    const failure = ensureStateDir(stateDir);
    await expect(failure).rejects.toMatchObject({ kind: 'state-format' });
    await expect(ensureStateDir(stateDir)).rejects.toThrow(
      /uses format 2.*understands format 1.*upgrade stagecraft/,
    );
    await expect(listDeployments(stateDir)).rejects.toMatchObject({ kind: 'state-format' });
  });

  it('refuses a format.json that is not valid JSON', async () => {
    await mkdir(stateDir, { recursive: true });
    await writeFile(join(stateDir, 'format.json'), '{ "form');
    await expect(ensureStateDir(stateDir)).rejects.toMatchObject({ kind: 'state-corrupt' });
  });
});

describe('deployment ids', () => {
  it('are UTC timestamps with a random suffix that sort by time', () => {
    const a = newDeploymentId(new Date('2026-11-26T08:15:30Z'));
    const b = newDeploymentId(new Date('2026-11-26T08:15:31Z'));
    expect(a).toMatch(/^20261126-081530-[0-9a-f]{4}$/);
    expect([b, a].sort()).toEqual([a, b]);
  });
});

describe('deployments', () => {
  it('creates meta.json and a journal, and updates meta atomically', async () => {
    const journal = await create(meta('20261126-081530-aaaa'));
    await journal.append({ type: 'deployment.started' });
    await Promise.all([
      updateMeta(stateDir, '20261126-081530-aaaa', { status: 'succeeded', exitCode: 0 }),
      updateMeta(stateDir, '20261126-081530-aaaa', {
        finishedAt: '2026-11-26T08:20:00Z',
        result: 'succeeded',
      }),
    ]);
    expect(await readMeta(stateDir, '20261126-081530-aaaa')).toMatchObject({
      status: 'succeeded',
      exitCode: 0,
      result: 'succeeded',
      finishedAt: '2026-11-26T08:20:00Z',
    });
    expect(
      (await readJournal(statePaths.journal(stateDir, '20261126-081530-aaaa'))).entries,
    ).toHaveLength(1);
    expect(await readdir(statePaths.deployment(stateDir, '20261126-081530-aaaa'))).toEqual([
      'journal.jsonl',
      'meta.json',
    ]);
  });

  it('refuses to create a deployment whose id already exists', async () => {
    await create(meta('20261126-081530-aaaa'));
    await expect(createDeployment(stateDir, meta('20261126-081530-aaaa'))).rejects.toMatchObject({
      kind: 'bug',
    });
  });

  it('masks secret values in meta.json', async () => {
    await create(meta('20261126-081530-aaaa', { command: 'stagecraft deploy --var PW=hunter2' }), [
      'hunter2',
    ]);
    expect(await readFile(statePaths.meta(stateDir, '20261126-081530-aaaa'), 'utf8')).not.toContain(
      'hunter2',
    );
  });

  it('lists deployments newest first, optionally of one environment', async () => {
    await create(meta('20261126-081530-aaaa', { startedAt: '2026-11-26T08:15:30.000Z' }));
    await create(
      meta('20261126-091530-bbbb', {
        startedAt: '2026-11-26T09:15:30.000Z',
        environment: 'production',
      }),
    );
    await create(meta('20261126-101530-cccc', { startedAt: '2026-11-26T10:15:30.000Z' }));
    expect((await listDeployments(stateDir)).map((m) => m.id)).toEqual([
      '20261126-101530-cccc',
      '20261126-091530-bbbb',
      '20261126-081530-aaaa',
    ]);
    expect((await listDeployments(stateDir, 'staging')).map((m) => m.id)).toEqual([
      '20261126-101530-cccc',
      '20261126-081530-aaaa',
    ]);
  });

  it('lists nothing when the state directory does not exist yet', async () => {
    expect(await listDeployments(stateDir)).toEqual([]);
  });

  it('finds the latest interrupted deployment: running with a dead pid, or marked interrupted', async () => {
    const dead = await deadPid();
    await create(
      meta('20261126-081530-aaaa', {
        startedAt: '2026-11-26T08:15:30.000Z',
        status: 'interrupted',
      }),
    );
    expect((latestInterrupted(await listDeployments(stateDir, 'staging')))?.id).toBe('20261126-081530-aaaa');
    await create(
      meta('20261126-091530-bbbb', { startedAt: '2026-11-26T09:15:30.000Z', pid: dead }),
    );
    expect((latestInterrupted(await listDeployments(stateDir, 'staging')))?.id).toBe('20261126-091530-bbbb');
    expect(latestInterrupted(await listDeployments(stateDir, 'production'))).toBeUndefined();
  });

  it('does not report a running deployment whose process is alive, nor one superseded by a finished deployment', async () => {
    const dead = await deadPid();
    await create(
      meta('20261126-081530-aaaa', { startedAt: '2026-11-26T08:15:30.000Z', pid: dead }),
    );
    await create(
      meta('20261126-091530-bbbb', { startedAt: '2026-11-26T09:15:30.000Z', status: 'succeeded' }),
    );
    expect(latestInterrupted(await listDeployments(stateDir, 'staging'))).toBeUndefined();
    await create(
      meta('20261126-101530-cccc', { startedAt: '2026-11-26T10:15:30.000Z', pid: process.pid }),
    );
    expect(latestInterrupted(await listDeployments(stateDir, 'staging'))).toBeUndefined();
  });
});

describe('deployment records', () => {
  it('are updated atomically, leaving no temporary file, and never hold a secret', async () => {
    await create(meta('20261126-081530-aaaa'), ['hunter2']);
    await updateMeta(
      stateDir,
      '20261126-081530-aaaa',
      { command: 'deploy --var PW=hunter2', status: 'succeeded' },
      { mask: new Masker(['hunter2']) },
    );
    expect(await readMeta(stateDir, '20261126-081530-aaaa')).toMatchObject({ status: 'succeeded' });
    expect((await readdir(statePaths.deployment(stateDir, '20261126-081530-aaaa'))).sort()).toEqual(
      ['journal.jsonl', 'meta.json'],
    );
    expect(await readFile(statePaths.meta(stateDir, '20261126-081530-aaaa'), 'utf8')).not.toContain(
      'hunter2',
    );
  });

  it('survive a crash between write and rename: the leftover temporary file is ignored', async () => {
    await create(meta('20261126-081530-aaaa'));
    // What a crash after writing the temporary file but before the rename leaves behind.
    await writeFile(
      join(statePaths.deployment(stateDir, '20261126-081530-aaaa'), '.meta.json.999.dead.tmp'),
      '{"id":"20261126-081530-aaaa","stat',
    );
    expect(await readMeta(stateDir, '20261126-081530-aaaa')).toMatchObject({ status: 'running' });
    await updateMeta(stateDir, '20261126-081530-aaaa', { status: 'failed' });
    expect(await readMeta(stateDir, '20261126-081530-aaaa')).toMatchObject({ status: 'failed' });
  });

  it('a damaged record is one clear state-corrupt error naming the file', async () => {
    await create(meta('20261126-081530-aaaa'));
    await writeFile(statePaths.meta(stateDir, '20261126-081530-aaaa'), '{ not json');
    await expect(readMeta(stateDir, '20261126-081530-aaaa')).rejects.toMatchObject({
      kind: 'state-corrupt',
      message: expect.stringMatching(
        /meta\.json is not valid JSON; .*move its folder aside/,
      ) as unknown,
    });
  });

  it('writeFileAtomic replaces content whole', async () => {
    await mkdir(stateDir, { recursive: true });
    const path = join(stateDir, 'x.json');
    await writeFileAtomic(path, 'old');
    await writeFileAtomic(path, 'new');
    expect(await readFile(path, 'utf8')).toBe('new');
    expect(await readdir(stateDir)).toEqual(['x.json']);
  });
});
