import { MASK } from '../../src/core/mask.js';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { engineStack, lockHeld, ndjson, type EngineStack } from './engine-stack.js';

const SECRET = 's3cr3t-value-42';
const stacks: EngineStack[] = [];
afterEach(async () => {
  await Promise.all(stacks.splice(0).map((s) => s.cleanup()));
});

async function secretsStack(): Promise<EngineStack> {
  const s = await engineStack('secrets', ['SVC_PORT']);
  stacks.push(s);
  return s;
}

describe('secrets in a deployment', () => {
  test('a secret echoed by commands and probes appears in no output and in no file of the state dir', async () => {
    const s = await secretsStack();
    const plain = await s.run(['deploy', '--yes', '--plain'], { API_TOKEN: SECRET });
    expect(plain.code).toBe(1);
    // The secret really went through: masked where the output of the commands is shown.
    expect(plain.stdout).toContain(`probe saw ${MASK}`);
    expect(plain.stdout).toContain(`│ token is ${MASK}`);
    await rm(join(s.dir, 'markers', 'echoer.rolled-back')); // fail the probe again
    const json = await s.run(['deploy', '--yes', '--json'], { API_TOKEN: SECRET });
    expect(json.code).toBe(1);
    expect(ndjson(json.stdout).at(-1)).toMatchObject({ type: 'deployment.finished', exitCode: 1 });

    for (const r of [plain, json]) {
      expect(r.stdout).not.toContain(SECRET);
      expect(r.stderr).not.toContain(SECRET);
      expect(r.watcher.survivors()).toEqual([]);
    }
    const files = await s.stateFiles();
    const kinds = [...files.keys()].map((p) => p.slice(s.stateDir.length));
    for (const expected of ['journal.jsonl', 'meta.json', 'echoer.activate.log'])
      expect(kinds.some((k) => k.endsWith(expected))).toBe(true);
    const leaks = [...files].filter(([, text]) => text.includes(SECRET)).map(([path]) => path);
    expect(leaks).toEqual([]);
    const activateLog = [...files].find(([p]) => p.endsWith('echoer.activate.log'))?.[1];
    expect(activateLog).toContain(`token is ${MASK}\ntoken on stderr ${MASK}`);
  });

  test('the release file and the process registry of a successful run hold no secret', async () => {
    const s = await secretsStack();
    // The marker makes echoer's probe pass: the deployment succeeds and records its release.
    await mkdir(join(s.dir, 'markers'));
    await writeFile(join(s.dir, 'markers', 'echoer.rolled-back'), '');
    const ok = await s.run(['deploy', '--yes', '--json'], { API_TOKEN: SECRET });
    expect(ndjson(ok.stdout).at(-1)).toMatchObject({ type: 'deployment.finished', exitCode: 0 });
    const files = await s.stateFiles();
    const registry = [...files.keys()].find((p) => p.includes(join('processes', 'default.json')));
    const release = [...files.keys()].find((p) => p.includes(join('releases', 'default.json')));
    expect(registry).toBeDefined();
    expect(release).toBeDefined();
    expect([...files].filter(([, text]) => text.includes(SECRET)).map(([p]) => p)).toEqual([]);
    expect(ok.stdout).not.toContain(SECRET);
  });

  test('a missing secret stops the deployment at prerequisites with exit 1 and nothing started', async () => {
    const s = await secretsStack();
    const r = await s.run(['deploy', '--yes', '--plain']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /prerequisites not met: security secret API_TOKEN: API_TOKEN is not set/,
    );
    expect(r.stdout).not.toMatch(/── activating|rolling-back/);
    expect(s.registryPids()).toEqual([]);
    expect(existsSync(join(s.dir, 'markers'))).toBe(false);
    expect(lockHeld(s.stateDir)).toBe(false);
    expect(r.watcher.survivors()).toEqual([]);
  });
});
