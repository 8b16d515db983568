/**
 * Bad-input generators: config mutations (wrong types, durations timers cannot hold, control
 * characters, prototype keys, deep nesting, duplicate keys, bad names), config files of every
 * kind a search can meet, parsers that must agree, a long dependency chain, shell metacharacters
 * in variables, and broken state files of every kind.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeCase } from '../cli/fuzz-mutations.js';
import type { CaseContext, Generator } from './case.js';
import { stackConfig, yamlOf, type Json } from './project.js';
import { nextSeed, pick } from './rand.js';

/** The coreutils program, by a variable so it is not taken for a package binary. */
const MKFIFO = 'mkfifo';
const mkfifo = (path: string): void => void execFileSync(MKFIFO, [path]);

const CONFIG = 'stagecraft.config.yaml';
const VALIDATE = ['validate', '--no-prerequisites'];

/** Sets `path` (dot-separated) in `root` to `value`, creating objects on the way. */
function setPath(root: { [k: string]: Json }, path: string, value: Json): void {
  const keys = path.split('.');
  let at: { [k: string]: Json } = root;
  for (const k of keys.slice(0, -1)) {
    const next = at[k];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) at[k] = {};
    at = at[k] as { [k: string]: Json };
  }
  Object.defineProperty(at, keys.at(-1) ?? 'x', {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/** A config-only case: nothing runs, so no `down` is needed afterwards. */
function configOnly(ctx: CaseContext, plantVar = true): void {
  ctx.skipDown = true;
  ctx.plantVar = plantVar;
}

/** How many variants a config-only case tries (each in a folder of its own: they are cheap). */
const VARIANTS = 2;

/** `n` different items of `items`. */
function pickDistinct<T>(rand: () => number, items: readonly T[], n: number): T[] {
  const pool = [...items];
  const out: T[] = [];
  while (out.length < n && pool.length > 0)
    out.push(...pool.splice(Math.floor(rand() * pool.length), 1));
  return out;
}

/** Runs `body` once per variant, in folders v1, v2, ... of the case folder. */
async function inVariants<T>(
  ctx: CaseContext,
  variants: T[],
  body: (v: T, sub: string) => Promise<void>,
): Promise<void> {
  for (const [i, v] of variants.entries()) {
    const sub = join(ctx.dir, `v${i + 1}`);
    await mkdir(sub);
    await body(v, sub);
  }
}

const fuzzMutation: Generator = {
  name: 'fuzz-mutation',
  kind: 'input',
  async run(ctx) {
    configOnly(ctx, false);
    const seed = nextSeed(ctx.rand);
    const c = makeCase(seed);
    ctx.note(`fuzz seed ${seed}: ${c.mutations.join(', ')}`);
    await ctx.write(`stagecraft.config.${c.ext}`, c.text);
    await ctx.cli(VALIDATE, { expect: [0, 2], deadlineMs: 15_000 });
    await ctx.cli(['plan', '--json'], { expect: [0, 2], deadlineMs: 15_000 });
  },
};

const WRONG_TYPES: Array<[string, Json]> = [
  ['services.db.health.retries', -1],
  ['services.db.health.retries', 'three'],
  ['services.db.health.retries', 1.5],
  ['services.migrate.timeout', true],
  ['services.migrate.timeout', '5 parsecs'],
  ['services.api.dependsOn', 'migrate'],
  ['services.api.dependsOn', [123]],
  ['services.api.dependsOn', ['nowhere']],
  ['services', []],
  ['services', 'db'],
  ['policy.onFailure', 'explode'],
  ['stages', [{ name: 'x', services: ['nowhere'] }]],
  ['services.db.process', 42],
  ['services.db.process', { run: [] }],
  ['services.api.health', 5],
  ['vars', ['PORT']],
  ['vars.PORT', { nested: 1 }],
  ['services.api.dependsOn', ['api']],
];

const wrongType: Generator = {
  name: 'wrong-type',
  kind: 'input',
  async run(ctx) {
    configOnly(ctx);
    await inVariants(
      ctx,
      pickDistinct(ctx.rand, WRONG_TYPES, VARIANTS),
      async ([path, value], sub) => {
        ctx.note(`${path} = ${JSON.stringify(value)}`);
        const config = stackConfig({ port: ctx.port, healthy: true });
        setPath(config, path, value);
        await writeFile(join(sub, CONFIG), yamlOf(config));
        await ctx.cli(VALIDATE, { expect: [2], deadlineMs: 15_000, cwd: sub });
        // Refused before anything changes: no state, no process.
        await ctx.cli(['deploy', '--yes', '--plain'], {
          expect: [2],
          deadlineMs: 15_000,
          cwd: sub,
        });
        if (existsSync(join(sub, '.stagecraft', 'deployments')))
          ctx.fail('deploy of an invalid config wrote deployments/');
      },
    );
  },
};

const DURATION_PATHS = [
  'services.migrate.timeout',
  'policy.decisionTimeout',
  'services.db.health.interval',
  'services.db.health.timeout',
  'services.api.health.startPeriod',
];
const BAD_DURATIONS: Json[] = [
  '1000h',
  '700h',
  '577h',
  2 ** 31,
  1e12,
  '-5s',
  -1,
  '1e400ms',
  'NaNms',
  '99999999999999999999999d',
  'Infinity',
];

const hugeDuration: Generator = {
  name: 'huge-or-negative-duration',
  kind: 'input',
  async run(ctx) {
    configOnly(ctx);
    const cases = pickDistinct(ctx.rand, BAD_DURATIONS, VARIANTS).map(
      (v) => [pick(ctx.rand, DURATION_PATHS), v] as const,
    );
    await inVariants(ctx, cases, async ([path, value], sub) => {
      ctx.note(`${path} = ${JSON.stringify(value)}`);
      const config = stackConfig({ port: ctx.port, healthy: true });
      setPath(config, path, value);
      await writeFile(join(sub, CONFIG), yamlOf(config));
      await ctx.cli(VALIDATE, { expect: [2], deadlineMs: 15_000, cwd: sub });
    });
  },
};

const CONTROL = [
  '\u001b[31mred\u001b[0m',
  '\u0007bell',
  '\u001b]0;title\u0007',
  '\u009b2J',
  '\r\u001b[2K',
  '\b\b\bxx',
];
const CONTROL_PATHS = ['name', 'vars.GREETING', 'services.migrate.activate', 'KEY'];

/** The first raw control character (C0 but \\n and \\t, DEL, C1) in `text`, if any. */
function rawControl(text: string): string | undefined {
  for (const c of text) {
    const n = c.charCodeAt(0);
    if ((n < 0x20 && c !== '\n' && c !== '\t') || (n >= 0x7f && n <= 0x9f)) return c;
  }
  return undefined;
}

const controlChars: Generator = {
  name: 'control-characters',
  kind: 'input',
  async run(ctx) {
    configOnly(ctx);
    const cases = pickDistinct(ctx.rand, CONTROL, VARIANTS).map(
      (ctl) => [ctl, pick(ctx.rand, CONTROL_PATHS), ctx.rand() < 0.4] as const,
    );
    await inVariants(ctx, cases, async ([ctl, where, json], sub) => {
      ctx.note(
        `${JSON.stringify(ctl)} in ${where === 'KEY' ? 'a service name' : where} (${json ? 'JSON' : 'YAML'})`,
      );
      const config = stackConfig({ port: ctx.port, healthy: true });
      if (where === 'KEY') {
        const services = config.services as { [k: string]: Json };
        services[`svc${ctl}`] = { activate: 'true' };
      } else setPath(config, where, `x${ctl}y`);
      if (json)
        await writeFile(join(sub, 'stagecraft.config.json'), JSON.stringify(config, null, 2));
      else await writeFile(join(sub, CONFIG), yamlOf(config));
      for (const args of [VALIDATE, ['plan'], ['deploy', '--yes', '--plain', '--dry-run']]) {
        const r = await ctx.cli(args, { expect: [0, 2], deadlineMs: 15_000, cwd: sub });
        const m = rawControl(r.stdout + r.stderr);
        if (m !== undefined)
          ctx.fail(
            `stagecraft ${args[0]}: a raw control character ${JSON.stringify(m)} reached the terminal`,
          );
      }
    });
  },
};

const PROTO_KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];

/** The value of variable `key` in `plan --json`, as an own property; undefined when absent. */
function planVar(stdout: string, key: string): unknown {
  try {
    const plan = JSON.parse(stdout) as { vars?: object };
    const vars = plan.vars ?? {};
    return Object.hasOwn(vars, key)
      ? (Object.getOwnPropertyDescriptor(vars, key)?.value as { value?: unknown } | undefined)
          ?.value
      : undefined;
  } catch {
    return undefined;
  }
}

const PROTO_PLACES = ['vars', '--var', 'rules', 'services', 'environments'] as const;

const prototypeKeys: Generator = {
  name: 'prototype-keys',
  kind: 'input',
  async run(ctx) {
    configOnly(ctx);
    const cases = pickDistinct(ctx.rand, PROTO_PLACES, VARIANTS + 1).map(
      (where, i) => [i < VARIANTS ? '__proto__' : pick(ctx.rand, PROTO_KEYS), where] as const,
    );
    await inVariants(ctx, cases, async ([key, where], sub) => {
      const value = `v-${nextSeed(ctx.rand).toString(16)}`;
      ctx.note(`key ${key} in ${where}`);
      const config = stackConfig({ port: ctx.port, healthy: true });
      const extra: string[] = [];
      if (where === 'vars') setPath(config, `vars.${key}`, value);
      if (where === '--var') extra.push('--var', `${key}=${value}`);
      if (where === 'rules') {
        setPath(config, `vars.${key}`, 'not-a-port');
        setPath(config, `config.rules.${key}`, { type: 'port' });
      }
      if (where === 'services') setPath(config, `services.${key}`, { activate: 'true' });
      if (where === 'environments') {
        setPath(config, `environments.${key}`, { vars: { MARK: value } });
        extra.push('-e', key);
      }
      await writeFile(join(sub, CONFIG), yamlOf(config));
      const r = await ctx.cli(['plan', '--json', ...extra], {
        expect: [0, 2],
        deadlineMs: 15_000,
        cwd: sub,
      });
      if (r.code !== 0) return; // refused with a message: held
      if (where === 'rules')
        ctx.fail(`the rule of variable ${key} was silently dropped (plan exit 0)`);
      if ((where === 'vars' || where === '--var') && planVar(r.stdout, key) !== value)
        ctx.fail(`variable ${key} was silently dropped or changed (plan exit 0)`);
      if (where === 'environments' && planVar(r.stdout, 'MARK') !== value)
        ctx.fail(`environment ${key} was silently dropped (plan exit 0)`);
      if (where === 'services') {
        const services = (JSON.parse(r.stdout) as { services?: object }).services ?? {};
        if (!Object.hasOwn(services, key))
          ctx.fail(`service ${key} was silently dropped (plan exit 0)`);
      }
    });
  },
};

const deepNesting: Generator = {
  name: 'deep-nesting',
  kind: 'input',
  async run(ctx) {
    configOnly(ctx);
    const cases = pickDistinct(ctx.rand, [2000, 10_000, 50_000], VARIANTS).map(
      (depth) =>
        [
          depth,
          ctx.rand() < 0.5,
          ctx.rand() < 0.5 ? (['[', ']'] as const) : (['{"a":', '}'] as const),
        ] as const,
    );
    await inVariants(ctx, cases, async ([depth, json, [open, close]], sub) => {
      ctx.note(`depth ${depth}, ${json ? 'JSON' : 'YAML flow'} ${open}`);
      const deep = `${open.repeat(depth)}1${close.repeat(depth)}`;
      if (json)
        await writeFile(
          join(sub, 'stagecraft.config.json'),
          `{"name":"deep","vars":{"DEEP":${deep}},"services":{"a":{"activate":"true"}}}`,
        );
      else
        await writeFile(
          join(sub, CONFIG),
          `name: deep\nvars:\n  DEEP: ${deep}\nservices:\n  a: { activate: "true" }\n`,
        );
      await ctx.cli(VALIDATE, { expect: [2], deadlineMs: 15_000, cwd: sub });
    });
  },
};

const DUPLICATES: Record<string, { json: string; yaml: string }> = {
  'root name': {
    json: `{"name":"one","name":"two","services":{"a":{"activate":"true"}}}`,
    yaml: `name: one\nname: two\nservices:\n  a: { activate: "true" }\n`,
  },
  'a service': {
    json: `{"name":"d","services":{"a":{"activate":"true"},"a":{"activate":"false"}}}`,
    yaml: `name: d\nservices:\n  a: { activate: "true" }\n  a: { activate: "false" }\n`,
  },
  'a variable': {
    json: `{"name":"d","vars":{"V":"1","V":"2"},"services":{"a":{"activate":"true"}}}`,
    yaml: `name: d\nvars:\n  V: "1"\n  V: "2"\nservices:\n  a: { activate: "true" }\n`,
  },
};

const duplicateKeys: Generator = {
  name: 'duplicate-keys',
  kind: 'input',
  async run(ctx) {
    configOnly(ctx);
    const where = pick(ctx.rand, Object.keys(DUPLICATES));
    // The same duplicate in both formats: they must mean the same (refused).
    await inVariants(ctx, ['JSON', 'YAML'], async (format, sub) => {
      ctx.note(`${where} twice (${format})`);
      const text = DUPLICATES[where] ?? { json: '', yaml: '' };
      if (format === 'JSON') await writeFile(join(sub, 'stagecraft.config.json'), text.json);
      else await writeFile(join(sub, CONFIG), text.yaml);
      await ctx.cli(VALIDATE, { expect: [2], deadlineMs: 15_000, cwd: sub });
    });
  },
};

const BAD_NAMES = [
  'a/b',
  '../escape',
  '.',
  '..',
  'x'.repeat(230),
  ' ',
  'a\\b',
  '-rf',
  'ünï☃',
  'a:b',
  '*',
  'nul\u0000l',
  '',
];

const badNames: Generator = {
  name: 'bad-names',
  kind: 'input',
  async run(ctx) {
    const name = pick(ctx.rand, BAD_NAMES);
    const of = pick(ctx.rand, ['service', 'environment', 'stage']);
    ctx.note(
      `${of} named ${JSON.stringify(name.length > 40 ? `${name.slice(0, 8)}…(${name.length})` : name)}`,
    );
    const config = stackConfig({ port: ctx.port, healthy: true });
    const extra: string[] = [];
    if (of === 'service') setPath(config, 'services', { [name]: { activate: 'true' } });
    if (of === 'environment') {
      setPath(config, 'environments', { [name]: {} });
      extra.push('-e', name);
    }
    if (of === 'stage') setPath(config, 'stages', [{ name, services: ['db', 'migrate', 'api'] }]);
    await ctx.write(CONFIG, yamlOf(config));
    const v = await ctx.cli([...VALIDATE, ...extra], { expect: [0, 2], deadlineMs: 15_000 });
    if (v.code !== 0) {
      ctx.skipDown = true;
      return;
    }
    // A name validate accepts must work as a file name: the deployment runs.
    await ctx.cli(['deploy', '--yes', '--plain', ...extra], { expect: [0] });
    if (
      existsSync(join(ctx.dir, '..', 'escape.log')) ||
      existsSync(join(ctx.stateDir, 'escape.log'))
    )
      ctx.fail('a file was written outside its folder');
    if (extra.length > 0) await ctx.cli(['down', '--yes', '--plain', ...extra], { expect: [0] });
  },
};

const FILE_KINDS = [
  'fifo',
  'directory',
  'dangling-symlink',
  'symlink-loop',
  'empty',
  'binary',
  'ts-never-settles',
  'mjs-never-settles',
  'mjs-throws',
  'ts-syntax-error',
  'package-json-broken',
] as const;

const configFileKinds: Generator = {
  name: 'config-file-kind',
  kind: 'input',
  async run(ctx) {
    configOnly(ctx, false);
    const cases = pickDistinct(ctx.rand, FILE_KINDS, VARIANTS + 1).map(
      (kind) => [kind, ctx.rand() < 0.5] as const,
    );
    await inVariants(ctx, cases, async ([kind, search], sub) => {
      ctx.note(`${kind} ${search ? 'found by the search' : 'given with -c'}`);
      const file = join(sub, CONFIG);
      let given = file;
      if (kind === 'fifo') mkfifo(file);
      if (kind === 'directory') await mkdir(file);
      if (kind === 'dangling-symlink') await symlink(join(sub, 'nowhere.yaml'), file);
      if (kind === 'symlink-loop') {
        await symlink(join(sub, 'loop-b.yaml'), file);
        await symlink(file, join(sub, 'loop-b.yaml'));
      }
      if (kind === 'empty') await writeFile(file, '');
      if (kind === 'binary')
        await writeFile(file, Buffer.from([0, 255, 254, 1, 2, 0x1b, 0x5b, 0x32, 0x4a]));
      if (kind === 'ts-never-settles' || kind === 'mjs-never-settles') {
        given = join(sub, `stagecraft.config.${kind.slice(0, kind.indexOf('-'))}`);
        await writeFile(given, 'export default new Promise(() => {});\n');
      }
      if (kind === 'mjs-throws') {
        given = join(sub, 'stagecraft.config.mjs');
        await writeFile(given, "throw new Error('config module refuses');\n");
      }
      if (kind === 'ts-syntax-error') {
        given = join(sub, 'stagecraft.config.ts');
        await writeFile(
          given,
          "const x: number = 1;\nexport default { name: 'x', services: { a: { activate: 'true' } }\n",
        );
      }
      if (kind === 'package-json-broken') {
        given = join(sub, 'package.json');
        await writeFile(given, '{ "name": "x", "stagecraft": { broken');
      }
      const args = search && kind !== 'package-json-broken' ? VALIDATE : [...VALIDATE, '-c', given];
      const r = await ctx.cli(args, { expect: [2], deadlineMs: 15_000, cwd: sub });
      if (
        kind === 'ts-syntax-error' &&
        r.code === 2 &&
        !/stagecraft\.config\.ts:\d+:\d+/.test(r.stderr)
      )
        ctx.fail('a TS syntax error without its line:column');
    });
  },
};

/** Scalars the two YAML parsers stagecraft uses read differently. */
const AMBIGUOUS = ['0b101', '+.5', '+0x1F', '-0x1F', '+0o7', '0o17', '1_000', '2026-12-02'];

const parsersAgree: Generator = {
  name: 'yaml-parsers-agree',
  kind: 'input',
  async run(ctx) {
    configOnly(ctx);
    await inVariants(ctx, pickDistinct(ctx.rand, AMBIGUOUS, VARIANTS), async (scalar, sub) => {
      ctx.note(`V: ${scalar}, with and without an "&" in a comment`);
      const text = `name: agree\nsecrets: [ATTACK_SECRET, S_SPLIT]\nvars:\n  V: ${scalar}\nservices:\n  a: { activate: "true" }\n`;
      await writeFile(join(sub, CONFIG), text);
      const plain = await ctx.cli(['plan', '--json'], { expect: [0, 2], cwd: sub });
      await writeFile(join(sub, CONFIG), `# R&D\n${text}`);
      const amp = await ctx.cli(['plan', '--json'], { expect: [0, 2], cwd: sub });
      const a = plain.code === 0 ? planVar(plain.stdout, 'V') : `exit ${plain.code}`;
      const b = amp.code === 0 ? planVar(amp.stdout, 'V') : `exit ${amp.code}`;
      if (a !== b)
        ctx.fail(
          `V: ${scalar} reads ${JSON.stringify(a)} without "&" and ${JSON.stringify(b)} with one`,
        );
    });
  },
};

const longChain: Generator = {
  name: 'long-dependency-chain',
  kind: 'input',
  async run(ctx) {
    configOnly(ctx);
    const n = pick(ctx.rand, [2500, 3000]);
    ctx.note(`${n} services in one chain`);
    const lines = ['name: chain', 'services:'];
    for (let i = 0; i < n; i++)
      lines.push(`  s${i}: { activate: "true"${i > 0 ? `, dependsOn: [s${i - 1}]` : ''} }`);
    await ctx.write(CONFIG, `${lines.join('\n')}\n`);
    await ctx.cli(VALIDATE, { expect: [0], deadlineMs: 20_000 });
    await ctx.cli(['graph', '--plan', '--format', 'dot'], { expect: [0], deadlineMs: 20_000 });
  },
};

const INJECTIONS = [
  '$(touch pwned)',
  '`touch pwned`',
  '"; touch pwned; "',
  "'; touch pwned #",
  '${IFS}touch${IFS}pwned',
  '\ntouch pwned\n',
];

const shellInjection: Generator = {
  name: 'shell-metacharacters-in-var',
  kind: 'input',
  async run(ctx) {
    const payload = pick(ctx.rand, INJECTIONS);
    const where = pick(ctx.rand, ['command', 'url']);
    ctx.note(`--var V=${JSON.stringify(payload)} used in a ${where}`);
    const config = stackConfig({ port: ctx.port, healthy: true });
    setPath(config, 'vars.V', 'plain');
    if (where === 'command')
      setPath(config, 'services.api.activate', `touch api.ok; printf '%s\\n' "$V"`);
    else
      setPath(config, 'services.api.readiness', [
        { http: 'http://127.0.0.1:${PORT}/${V}', timeout: '300ms', retries: 1, interval: '100ms' },
      ]);
    await ctx.write(CONFIG, yamlOf(config));
    // The readiness URL reaches db's TCP port, not HTTP: it fails, and so does its re-check
    // after the rollback (exit 3); what counts here is that nothing ran the payload.
    await ctx.cli(['deploy', '--yes', '--plain', '--var', `V=${payload}`], {
      expect: where === 'url' ? [1, 2, 3] : [0],
    });
    if (existsSync(join(ctx.dir, 'pwned'))) ctx.fail('a variable was run as a shell command');
  },
};

const STATE_TARGETS = ['meta', 'journal', 'releases', 'registry', 'lock', 'format'] as const;
const BREAKS = [
  'garbage',
  'null',
  'array',
  'truncated',
  'empty',
  'directory',
  'dangling-symlink',
  'fifo',
  'binary',
] as const;
const AFTER = [
  'deploy',
  'status',
  'history',
  'show',
  'down',
  'resume',
  'rollback',
  'unlock',
] as const;

/** The one file of kind `target` in a state folder a deployment wrote. */
async function stateFile(
  ctx: CaseContext,
  target: (typeof STATE_TARGETS)[number],
): Promise<string> {
  const s = ctx.stateDir;
  if (target === 'meta' || target === 'journal') {
    const [id] = await readdir(join(s, 'deployments'));
    return join(s, 'deployments', id ?? 'none', target === 'meta' ? 'meta.json' : 'journal.jsonl');
  }
  if (target === 'releases') return join(s, 'releases', 'default.json');
  if (target === 'registry') return join(s, 'processes', 'default.json');
  if (target === 'lock') return ctx.lockFile;
  return join(s, 'format.json');
}

async function breakFile(
  path: string,
  how: (typeof BREAKS)[number],
  original: string,
): Promise<void> {
  await rm(path, { recursive: true, force: true });
  await mkdir(join(path, '..'), { recursive: true });
  if (how === 'garbage') await writeFile(path, 'this is { not json\n');
  if (how === 'null') await writeFile(path, 'null\n');
  if (how === 'array') await writeFile(path, '[]\n');
  if (how === 'truncated')
    await writeFile(path, original.slice(0, Math.max(1, Math.floor(original.length / 2))));
  if (how === 'empty') await writeFile(path, '');
  if (how === 'directory') await mkdir(path);
  if (how === 'dangling-symlink') await symlink(`${path}.nowhere`, path);
  if (how === 'fifo') mkfifo(path);
  if (how === 'binary') await writeFile(path, Buffer.from([0, 1, 2, 255, 0x1b, 0x5b, 0x48]));
}

const brokenState: Generator = {
  name: 'broken-state-file',
  kind: 'input',
  async run(ctx) {
    const target = pick(ctx.rand, STATE_TARGETS);
    const how = pick(ctx.rand, BREAKS);
    const after = pick(ctx.rand, AFTER);
    ctx.note(`${target} as ${how}, then ${after}`);
    await ctx.write(CONFIG, yamlOf(stackConfig({ port: ctx.port, healthy: true })));
    const first = await ctx.cli(['deploy', '--yes', '--plain'], { expect: [0] });
    const id = /\((\d{8}-\d{6}-[0-9a-f]{4})\)/.exec(first.stdout)?.[1] ?? 'none';
    const path = await stateFile(ctx, target);
    const original = await readFile(path, 'utf8').catch(() => '');
    await breakFile(path, how, original);
    const args = {
      deploy: ['deploy', '--yes', '--plain'],
      status: ['status'],
      history: ['history'],
      show: ['show', id],
      down: ['down', '--yes', '--plain'],
      resume: ['resume', '--yes', '--plain'],
      rollback: ['rollback', '--yes', '--plain'],
      unlock: ['unlock'],
    }[after];
    await ctx.cli(args, { deadlineMs: 15_000 });
    // A damaged lock is what unlock repairs; any other file the operator puts back as the
    // message says (here: its original content), so the closing down can stop what runs.
    if (target === 'lock') await ctx.cli(['unlock'], { expect: [0], deadlineMs: 15_000 });
    else {
      await rm(path, { recursive: true, force: true });
      if (original !== '') await writeFile(path, original);
    }
  },
};

/** Every bad-input generator. */
export const INPUTS: Generator[] = [
  fuzzMutation,
  wrongType,
  hugeDuration,
  controlChars,
  prototypeKeys,
  deepNesting,
  duplicateKeys,
  badNames,
  configFileKinds,
  parsersAgree,
  longChain,
  shellInjection,
  brokenState,
];
