/**
 * Bad values in a config: seeded fuzz mutations, wrong types, durations timers cannot hold,
 * control characters, prototype keys, deep nesting, duplicate keys, scalars two YAML parsers
 * read differently, and a dependency chain too long for a recursive walk.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeCase } from '../cli/fuzz-mutations.js';
import type { Generator } from './case.js';
import {
  CONFIG,
  VALIDATE,
  VARIANTS,
  configOnly,
  inVariants,
  pickDistinct,
  planVar,
  rawControl,
  setPath,
} from './input-helpers.js';
import { stackConfig, yamlOf, type Json } from './project.js';
import { nextSeed, pick } from './rand.js';

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

/** The generators of bad config values. */
export const CONFIG_INPUTS: Generator[] = [
  fuzzMutation,
  wrongType,
  hugeDuration,
  controlChars,
  prototypeKeys,
  deepNesting,
  duplicateKeys,
  parsersAgree,
  longChain,
];
