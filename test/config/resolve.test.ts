import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { listEnvironments } from '../../src/config/environments.js';
import { loadConfig } from '../../src/config/load.js';
import { resolvePlan } from '../../src/config/resolve.js';
import { errorOf, ONE_SERVICE, planOf, project } from './helpers.js';

const ENVS = `environments:\n  staging:\n    vars: { API_PORT: "8080", RELEASE: r1 }\n  production:\n    extends: staging\n    vars: { API_PORT: 80 }\n    confirm: stages\n`;

describe('environments', () => {
  test('without environments there is one implicit environment, default', async () => {
    const plan = await planOf(ONE_SERVICE);
    expect(plan.environment).toBe('default');
    expect(plan.vars.ENV).toEqual({ value: 'default', source: { kind: 'builtin', path: 'ENV' } });
    expect(listEnvironments({})).toEqual(['default']);
  });

  test('exactly one environment is chosen without -e', async () => {
    expect((await planOf(`environments:\n  only: {}\n${ONE_SERVICE}`)).environment).toBe('only');
  });

  test('several environments and no -e is an error naming them', async () => {
    const err = await errorOf(ENVS + ONE_SERVICE);
    expect(err.issues[0]?.message).toBe('several environments (staging, production): pass -e NAME');
  });

  test('an unknown environment name gets a did-you-mean', async () => {
    const err = await errorOf(ENVS + ONE_SERVICE, { env: 'prodution' });
    expect(err.issues[0]).toMatchObject({
      message: 'unknown environment "prodution"',
      hint: 'did you mean "production"?',
    });
  });

  test('extends chains inherit variables and confirm', async () => {
    const plan = await planOf(ENVS + ONE_SERVICE, { env: 'production' });
    expect(plan.vars.RELEASE?.source.path).toBe('environments.staging.vars.RELEASE');
    expect(plan.vars.API_PORT).toMatchObject({
      value: '80',
      source: { kind: 'environment', path: 'environments.production.vars.API_PORT' },
    });
    expect(plan.confirmStages).toBe(true);
    expect((await planOf(ENVS + ONE_SERVICE, { env: 'staging' })).confirmStages).toBe(false);
  });

  test('an extends cycle is an error naming the chain', async () => {
    const err = await errorOf(
      `environments:\n  a: { extends: b }\n  b: { extends: c }\n  c: { extends: a }\n${ONE_SERVICE}`,
      { env: 'a' },
    );
    expect(err.issues.map((i) => i.message)).toEqual(['environment extends cycle: a → b → c → a']);
    const unknown = await errorOf(
      `environments:\n  a: { extends: stagng }\n  staging: {}\n${ONE_SERVICE}`,
    );
    expect(unknown.issues[0]?.hint).toBe('did you mean "staging"?');
  });
});

describe('variables', () => {
  test('precedence: vars < config.files in order < environment chain < --var, each with its source', async () => {
    const dir = await project({
      'stagecraft.config.yaml': `vars: { A: v, B: v, C: v, D: v, E: v }\nconfig:\n  files: [conf/base.yaml, "conf/\${ENV}.json"]\n${ENVS}${ONE_SERVICE}`,
      'conf/base.yaml': 'B: base\nC: base\nD: base\nE: base\nPORT: 8080\n',
      'conf/staging.json': '{ "C": "json", "D": "json", "E": "json" }',
    });
    const plan = await resolvePlan(await loadConfig({ cwd: dir }), {
      env: 'staging',
      vars: { E: 'cli' },
    });
    const file = path.join(dir, 'stagecraft.config.yaml');
    expect(plan.vars.A).toEqual({ value: 'v', source: { kind: 'vars', file, path: 'vars.A' } });
    expect(plan.vars.B).toEqual({
      value: 'base',
      source: { kind: 'file', file: path.join(dir, 'conf/base.yaml'), path: 'B' },
    });
    expect(plan.vars.C).toEqual({
      value: 'json',
      source: { kind: 'file', file: path.join(dir, 'conf/staging.json'), path: 'C' },
    });
    expect(plan.vars.E).toEqual({ value: 'cli', source: { kind: 'cli', path: '--var E' } });
    expect(plan.vars.PORT?.value).toBe('8080');
    expect(plan.vars.API_PORT?.source.kind).toBe('environment');
  });

  test('a missing config.files entry is an error at its path', async () => {
    const err = await errorOf(`config: { files: [nope.yaml] }\n${ONE_SERVICE}`);
    expect(err.issues[0]).toMatchObject({ path: 'config.files[0]', line: 1 });
    expect(err.issues[0]?.message).toMatch(/config file not found/);
  });

  test('the config hash covers the config file and the merged files', async () => {
    const base = `config: { files: [v.yaml] }\n${ONE_SERVICE}`;
    const one = await planOf(base, {}, { 'v.yaml': 'A: 1\n' });
    const two = await planOf(base, {}, { 'v.yaml': 'A: 2\n' });
    expect(one.configHash).toMatch(/^[0-9a-f]{64}$/);
    expect(one.configHash).not.toBe(two.configHash);
    expect((await planOf(base, {}, { 'v.yaml': 'A: 1\n' })).configHash).toBe(one.configHash);
  });
});

describe('rules', () => {
  const cases: Array<[string, string, string]> = [
    ['{ type: port }', '8080', '70000'],
    ['{ type: int, min: 1, max: 10 }', '5', '11'],
    ['{ type: int }', '-3', '3.5'],
    ['{ type: url }', 'https://example.com/x', 'not a url'],
    ['{ enum: [debug, info] }', 'info', 'verbose'],
    ['{ pattern: "^v[0-9]+$" }', 'v12', 'x12'],
  ];
  for (const [rule, good, bad] of cases) {
    test(`${rule} accepts ${JSON.stringify(good)} and rejects ${JSON.stringify(bad)}, naming the var and its source`, async () => {
      const yaml = (v: string) =>
        `vars: { X: ${JSON.stringify(v)} }\nconfig: { rules: { X: ${rule} } }\n${ONE_SERVICE}`;
      expect((await planOf(yaml(good))).vars.X?.value).toBe(good);
      const err = await errorOf(yaml(bad));
      expect(err.issues[0]).toMatchObject({ path: 'vars.X', line: 1 });
      expect(err.issues[0]?.message).toContain(`X = ${JSON.stringify(bad)}`);
      expect(err.issues[0]?.hint).toContain('rule config.rules.X');
    });
  }

  test('{ required: true } fails when the variable is not set anywhere', async () => {
    const yaml = `config: { rules: { TOKEN_URL: { required: true } } }\n${ONE_SERVICE}`;
    expect((await errorOf(yaml)).issues[0]?.message).toBe('required variable TOKEN_URL is not set');
    expect((await planOf(yaml, { vars: { TOKEN_URL: 'x' } })).vars.TOKEN_URL?.source.kind).toBe(
      'cli',
    );
  });
});

describe('interpolation and normalisation', () => {
  test('${NAME} is interpolated in URLs, addresses and paths but not in commands', async () => {
    const plan = await planOf(
      `vars: { PORT: 8080, HOST: 127.0.0.1 }\nservices:\n  api:\n    activate: { run: "echo \${PORT}", cwd: "sub/\${ENV}" }\n    health: { http: "http://\${HOST}:\${PORT}/healthz" }\n    readiness: [{ tcp: "\${HOST}:\${PORT}" }, { http: { url: "http://x/\${ENV}", status: 200, body: "/ok/i" } }]\n`,
    );
    const api = plan.services.api!;
    expect(api.activate).toEqual({
      run: 'echo ${PORT}',
      cwd: path.join(plan.configDir, 'sub/default'),
      env: {},
    });
    expect(api.health).toMatchObject({
      kind: 'http',
      label: 'http GET http://127.0.0.1:8080/healthz',
      http: { status: ['2xx', '3xx'] },
    });
    expect(api.readiness[0]).toMatchObject({
      kind: 'tcp',
      tcp: { host: '127.0.0.1', port: 8080 },
      label: 'tcp 127.0.0.1:8080',
    });
    expect(api.readiness[1]?.http).toEqual({
      url: 'http://x/default',
      method: 'GET',
      status: [200],
      body: '/ok/i',
      headers: {},
    });
  });

  test('an unknown ${NAME} is an error naming it and the config path', async () => {
    const err = await errorOf(
      `services:\n  api:\n    activate: x\n    health: { http: "http://127.0.0.1:\${API_PROT}/" }\n`,
    );
    expect(err.issues[0]).toMatchObject({
      path: 'services.api.health.http',
      line: 4,
      message: 'unknown variable ${API_PROT}',
    });
  });

  test('a bad tcp address or URL is an error at its path', async () => {
    const err = await errorOf(
      `services:\n  api:\n    activate: x\n    readiness: [{ tcp: "localhost" }, { http: "ftp://x" }]\n`,
    );
    expect(err.issues.map((i) => i.path)).toEqual([
      'services.api.readiness[0].tcp',
      'services.api.readiness[1].http',
    ]);
  });

  test('secrets: names only, never values, even when the value is in the environment', async () => {
    const secret = 'hunter2-very-secret';
    const yaml = `secrets: [DB_PASSWORD]\nprerequisites: { security: { secrets: [DB_PASSWORD] } }\n${ONE_SERVICE}`;
    const plan = await planOf(yaml, { secretsFrom: { DB_PASSWORD: secret } });
    expect(plan.secretNames).toEqual(['DB_PASSWORD']);
    expect(JSON.stringify(plan)).not.toContain(secret);
    const viaVar = await errorOf(yaml, { vars: { DB_PASSWORD: secret } });
    expect(JSON.stringify(viaVar.issues)).not.toContain(secret);
    const interpolated = await errorOf(
      `secrets: [TOKEN]\nservices:\n  api:\n    activate: x\n    health: { http: "http://u:\${TOKEN}@x/" }\n`,
    );
    expect(interpolated.issues[0]?.message).toMatch(/is a secret and cannot be interpolated/);
  });

  test('the full example resolves: prerequisites, stages, checks, readiness and policy in ms and bytes', async () => {
    const dir = path.resolve(import.meta.dirname, '../fixtures/config/full');
    const plan = await resolvePlan(await loadConfig({ cwd: dir }), { env: 'production' });
    expect(plan.vars.LOG_LEVEL?.source).toMatchObject({
      kind: 'file',
      file: path.join(dir, 'config/base.yaml'),
    });
    expect(plan.prerequisites.hardware).toEqual({
      cpus: 2,
      memoryBytes: 1024 ** 3,
      disk: [{ path: dir, freeBytes: 1024 ** 3 }],
    });
    expect(plan.prerequisites.network[0]).toMatchObject({
      kind: 'tcp',
      host: '127.0.0.1',
      port: 5432,
    });
    expect(plan.stages[1]).toMatchObject({
      name: 'app',
      confirm: true,
      timeoutMs: 600_000,
      verify: [{ name: 'verify-1' }],
    });
    expect(plan.services.api?.performance).toEqual({
      url: 'http://127.0.0.1:80/',
      samples: 20,
      p95Ms: 200,
      timeoutMs: 2000,
    });
    expect(plan.readiness[0]?.performance?.p95Ms).toBe(300);
    expect(plan.readiness[1]).toEqual({
      name: 'runbook',
      category: 'documentation',
      severity: 'warning',
      file: path.join(dir, 'RUNBOOK.md'),
    });
    expect(plan.policy).toEqual({
      onFailure: 'ask',
      degraded: 'continue',
      retries: 0,
      decisionTimeoutMs: 900_000,
    });
    expect(plan.integration[0]?.probe.kind).toBe('command');
  });
});
