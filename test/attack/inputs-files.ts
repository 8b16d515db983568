/**
 * Bad input that reaches files and shells: names that become file names, config files of every
 * kind a search can meet, shell metacharacters in variables, and broken state files of every kind
 * (meta, journal, releases, registry, lock, format) met by every command.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CaseContext, Generator } from './case.js';
import {
  CONFIG,
  VALIDATE,
  VARIANTS,
  configOnly,
  inVariants,
  mkfifo,
  pickDistinct,
  setPath,
} from './input-helpers.js';
import { stackConfig, yamlOf } from './project.js';
import { pick } from './rand.js';

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

/** The generators of bad names, files and variables. */
export const FILE_INPUTS: Generator[] = [badNames, configFileKinds, shellInjection, brokenState];
