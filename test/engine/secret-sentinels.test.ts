/**
 * Secrets never leave: sentinel secret values (with a quote, a backslash, control characters and
 * non-ASCII text, generated from a fixed seed) go in through every input — the secrets of every
 * command, a variable that embeds one, the output of activate, stop, health and rollback
 * commands, a process service that splits one across stdout and stderr, failure reasons — and
 * every command is run in plain and JSON form. Every output, every message to another operator
 * and every file of the project folder (state dir included) is then searched for each sentinel,
 * raw and in its JSON-escaped forms.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { engineStack, ndjson, type EngineStack } from './engine-stack.js';
import { until } from './proc-watch.js';

const SEED = 0x5eed11;

/** A small seeded generator (mulberry32): the same sentinels on every run. */
function generator(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function sentinels(seed: number): Record<string, string> {
  const next = generator(seed);
  const tag = (): string =>
    Math.floor(next() * 0xffffff)
      .toString(16)
      .padStart(6, '0');
  return {
    S_QUOTE: `q"uo"te-${tag()}`,
    S_BSL: `back\\sl\\ash-${tag()}`,
    S_CTRL: `ctl\tta\u0001b\nnl-${tag()}`,
    S_UNI: `ünï-cødé-☃-${tag()}`,
    S_SPLIT: `split-across-${tag()}-streams`,
  };
}

const SECRETS = sentinels(SEED);
/** The secret embedded in the (non-secret) variable DB_URL. */
const EMBEDDED = SECRETS.S_QUOTE;
const DB_URL = `postgres://app:${EMBEDDED}@db.internal/app`;

/** Every form a sentinel could take in an output or a file: raw, JSON-escaped, \u-escaped. */
function forms(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1);
  const ascii = json.replace(
    /[^\x20-\x7e]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  const twice = JSON.stringify(json).slice(1, -1);
  return [...new Set([secret, json, ascii, twice])];
}

const stacks: EngineStack[] = [];
afterEach(async () => {
  await Promise.all(stacks.splice(0).map((s) => s.cleanup()));
});

async function projectFiles(dir: string): Promise<Map<string, string>> {
  const { readdir } = await import('node:fs/promises');
  const files = new Map<string, string>();
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) files.set(p, await readFile(p, 'utf8'));
    }
  };
  await walk(dir);
  return files;
}

describe('secret sentinels', () => {
  test('no sentinel secret, raw or JSON-escaped, reaches any output, message or file', async () => {
    const s = await engineStack('sentinels', ['SVC_PORT']);
    stacks.push(s);
    const env = { ...SECRETS };
    const vars = ['--var', `DB_URL=${DB_URL}`];
    /** Every text checked, by what produced it. */
    const outputs = new Map<string, string>();
    const run = async (label: string, args: string[], runEnv: NodeJS.ProcessEnv = env) => {
      const r = await s.run([...args, ...vars], runEnv);
      outputs.set(`${label} stdout`, r.stdout);
      outputs.set(`${label} stderr`, r.stderr);
      return r;
    };

    for (const json of [false, true]) {
      const mode = json ? ['--json'] : [];
      await run(`validate ${mode.join('')}`, ['validate', ...mode]);
      await run(`plan ${mode.join('')}`, ['plan', ...mode]);
    }
    // A failing deployment (the health command fails, printing the secrets) and its rollback.
    for (const mode of ['--plain', '--json'])
      await run(`deploy --dry-run ${mode}`, ['deploy', '--yes', '--dry-run', mode]);
    const failed = await run('deploy failing --plain', ['deploy', '--yes', '--plain', '--trace']);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/probe saw/);
    // Passing deployments (the rollback left markers/ok), so there are releases to go back to.
    const passed = await run('deploy passing --json', ['deploy', '--yes', '--json']);
    expect(ndjson(passed.stdout).at(-1)).toMatchObject({
      type: 'deployment.finished',
      exitCode: 0,
    });
    expect((await run('deploy passing --plain', ['deploy', '--yes', '--plain'])).code).toBe(0);
    const registry = join(s.stateDir, 'processes', 'default.json');
    outputs.set('registry while running', await readFile(registry, 'utf8'));
    // Another operator (without the secrets) meets the lock of a running deployment.
    await writeFile(join(s.dir, 'markers', 'hold'), '');
    const holder = s.start(['deploy', '--yes', '--plain', ...vars], env);
    const lockFile = join(s.stateDir, 'locks', 'default.json');
    expect(await until(() => existsSync(lockFile), 15_000)).toBe(true);
    outputs.set('lock file while held', await readFile(lockFile, 'utf8'));
    for (const json of [false, true]) {
      const mode = json ? '--json' : '--plain';
      const other = await run(`other operator deploy ${mode}`, ['deploy', '--yes', mode], {});
      expect(other.code).toBe(4);
      expect(`${other.stdout}${other.stderr}`).toMatch(/locked by/);
    }
    for (const mode of [[], ['--json']]) {
      const refused = await run(`other operator unlock ${mode.join('')}`, ['unlock', ...mode], {});
      expect(refused.code).toBe(4);
    }
    // The holder is interrupted (killed) while it activates; resume finishes its deployment.
    holder.child.kill('SIGKILL');
    expect(await holder.exited).toBe(null);
    outputs.set('interrupted deploy stdout', holder.stdout());
    outputs.set('interrupted deploy stderr', holder.stderr());
    await rm(join(s.dir, 'markers', 'hold'));
    const resumed = await run('resume interrupted --plain', ['resume', '--yes', '--plain']);
    expect(resumed.code).toBe(0);

    // status with a failing health command that prints the secrets.
    await rm(join(s.dir, 'markers', 'ok'));
    for (const mode of [[], ['--json']]) {
      const st = await run(`status ${mode.join('')}`, ['status', ...mode]);
      expect(`${st.stdout}`).toMatch(/checker/);
    }
    await mkdir(join(s.dir, 'markers'), { recursive: true });
    await writeFile(join(s.dir, 'markers', 'ok'), '');
    for (const mode of [[], ['--json']])
      await run(`history ${mode.join('')}`, ['history', ...mode]);
    const ids = ndjson(outputs.get('history --json stdout') ?? '')
      .flatMap((l) => (Array.isArray(l.deployments) ? (l.deployments as unknown[]) : [l]))
      .map((d) => (d as { id?: unknown }).id)
      .filter((id): id is string => typeof id === 'string');
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids.slice(0, 3))
      for (const mode of [[], ['--json']])
        await run(`show ${id} ${mode.join('')}`, ['show', id, ...mode]);
    for (const mode of [['--plain'], ['--json']]) {
      await run(`rollback ${mode.join('')}`, ['rollback', '--yes', ...mode]);
      await run(`resume ${mode.join('')}`, ['resume', '--yes', ...mode]);
    }
    for (const mode of [['--plain'], ['--json']])
      await run(`down ${mode.join('')}`, ['down', '--yes', ...mode]);

    const files = await projectFiles(s.dir);
    for (const kind of [
      'journal.jsonl',
      'trace.jsonl',
      'meta.json',
      'svc.log',
      'stop.log',
      'processes',
      'releases',
    ])
      expect([...files.keys()].some((p) => p.includes(kind))).toBe(true);
    const texts = new Map([
      ...outputs,
      ...[...files].map(([p, t]) => [p.slice(s.dir.length), t] as const),
    ]);
    const leaks: string[] = [];
    for (const [name, secret] of Object.entries({ ...SECRETS, DB_URL }))
      for (const form of forms(secret))
        for (const [where, text] of texts)
          if (text.includes(form)) leaks.push(`${name} in ${where}`);
    // The figures of the report.
    process.stdout.write(
      `sentinels ${Object.keys(SECRETS).length} (+1 embedding variable), outputs ${outputs.size}, files ${files.size}, leaks ${leaks.length}\n${[...new Set(leaks)].join('\n')}\n`,
    );
    expect([...new Set(leaks)]).toEqual([]);
  }, 240_000);
});
