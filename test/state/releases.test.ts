import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  listReleases,
  previousRelease,
  recordRelease,
  type Release,
} from '../../src/state/releases.js';
import { statePaths } from '../../src/state/layout.js';
import { Masker } from '../../src/core/mask.js';

let stateDir: string;

beforeEach(async () => {
  stateDir = join(await mkdtemp(join(tmpdir(), 'stagecraft-releases-')), '.stagecraft');
});

afterEach(async () => {
  await rm(join(stateDir, '..'), { recursive: true, force: true });
});

function release(id: string, version: string): Release {
  return {
    id,
    label: version,
    at: new Date().toISOString(),
    configHash: `sha256:${version}`,
    vars: { api: { VERSION: version, API_PORT: '8080' } },
    running: ['api'],
  };
}

describe('releases', () => {
  it('are listed newest first, per environment', async () => {
    await recordRelease(stateDir, 'staging', release('20261126-081530-aaaa', 'v1'));
    await recordRelease(stateDir, 'staging', release('20261126-091530-bbbb', 'v2'));
    await recordRelease(stateDir, 'production', release('20261126-093000-pppp', 'p1'));
    await recordRelease(stateDir, 'staging', release('20261126-101530-cccc', 'v3'));
    expect((await listReleases(stateDir, 'staging')).map((r) => r.label)).toEqual([
      'v3',
      'v2',
      'v1',
    ]);
    expect((await listReleases(stateDir, 'production')).map((r) => r.label)).toEqual(['p1']);
    expect(await listReleases(stateDir, 'qa')).toEqual([]);
  });

  it('give the live release, the one before a given release, and the one before a failed deployment', async () => {
    expect(previousRelease(await listReleases(stateDir, 'staging'))).toBeUndefined();
    await recordRelease(stateDir, 'staging', release('20261126-081530-aaaa', 'v1'));
    await recordRelease(stateDir, 'staging', release('20261126-091530-bbbb', 'v2'));
    expect((previousRelease(await listReleases(stateDir, 'staging')))?.label).toBe('v2');
    expect((previousRelease(await listReleases(stateDir, 'staging'), '20261126-091530-bbbb'))?.label).toBe('v1');
    expect(previousRelease(await listReleases(stateDir, 'staging'), '20261126-081530-aaaa')).toBeUndefined();
    // A deployment that failed recorded no release: the one before it is the newest older one.
    expect((previousRelease(await listReleases(stateDir, 'staging'), '20261126-090000-ffff'))?.label).toBe('v1');
    expect(((await listReleases(stateDir, 'staging')).find((r) => r.id === '20261126-081530-aaaa'))?.vars).toEqual({
      api: { VERSION: 'v1', API_PORT: '8080' },
    });
  });

  it('keep one entry per deployment when the same deployment records again', async () => {
    await recordRelease(stateDir, 'staging', release('20261126-081530-aaaa', 'v1'));
    await Promise.all([
      recordRelease(stateDir, 'staging', release('20261126-091530-bbbb', 'v2')),
      recordRelease(stateDir, 'staging', release('20261126-091530-bbbb', 'v2')),
    ]);
    expect((await listReleases(stateDir, 'staging')).map((r) => r.label)).toEqual(['v2', 'v1']);
  });

  it('exclude secrets: secret variables are dropped and secret values masked', async () => {
    const r = release('20261126-081530-aaaa', 'v1');
    r.vars.api = { ...r.vars.api, DB_PASSWORD: 'hunter2', DSN: 'postgres://app:hunter2@db/app' };
    await recordRelease(stateDir, 'staging', r, {
      secretNames: ['DB_PASSWORD'],
      mask: new Masker(['hunter2']),
    });
    const text = await readFile(statePaths.release(stateDir, 'staging'), 'utf8');
    expect(text).not.toContain('hunter2');
    const [stored] = await listReleases(stateDir, 'staging');
    expect(stored?.vars.api).not.toHaveProperty('DB_PASSWORD');
    expect(stored?.vars.api?.DSN).toBe('postgres://app:••••••@db/app');
  });

  it('refuse a damaged releases file with a message naming it', async () => {
    await recordRelease(stateDir, 'staging', release('20261126-081530-aaaa', 'v1'));
    await writeFile(statePaths.release(stateDir, 'staging'), '{"not":"a list"}');
    await expect(listReleases(stateDir, 'staging')).rejects.toThrow(
      /staging\.json is not a list of releases/,
    );
  });
});
