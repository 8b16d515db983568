import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../src/config/errors.js';
import { configJsonSchema } from '../../src/config/json-schema.js';
import { validateConfig } from '../../src/config/validate.js';
import { errorOf, ONE_SERVICE, planOf } from './helpers.js';

/** The issues (path: message (hint)) of validating `raw`; none when it is valid. */
function problems(raw: unknown): string[] {
  try {
    validateConfig(raw);
    return [];
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.issues.map((i) => `${i.path ?? ''}: ${i.message}${i.hint ? ` (${i.hint})` : ''}`);
  }
}

const services = { api: { activate: 'true' } };

describe('monitoring and notify in the plan', () => {
  test('a URL or address empty once interpolated turns its part off (--var PUSHGATEWAY=)', async () => {
    const plan = await planOf(
      `name: shop
vars: { PGW: "", AM: "" }
monitoring:
  metrics: { pushgateway: "\${PGW}", listen: "127.0.0.1:9464" }
  alerts: { alertmanager: "\${AM}" }
${ONE_SERVICE}`,
    );
    expect(plan.monitoring?.metrics).toEqual({
      job: 'stagecraft',
      listen: { host: '127.0.0.1', port: 9464 },
    });
    expect(plan.monitoring?.alerts).toBeUndefined();
  });

  test('a full monitoring block resolves with durations in ms, paths absolute, listen parsed', async () => {
    const plan = await planOf(
      `name: shop
vars: { PGW: "http://127.0.0.1:9091" }
monitoring:
  watch: 5m
  onWatchFailure: ask
  watchInterval: 2s
  metrics: { pushgateway: "\${PGW}", textfile: metrics/shop.prom, listen: "127.0.0.1:9464", job: deploys }
  alerts: { alertmanager: "http://127.0.0.1:9093", labels: { team: web, tier: 1 } }
  dashboard: { title: Shop, datasource: prom-main, refresh: 1m, file: dash.json }
${ONE_SERVICE}`,
    );
    expect(plan.monitoring).toEqual({
      watchMs: 300_000,
      onWatchFailure: 'ask',
      watchIntervalMs: 2000,
      metrics: {
        pushgateway: 'http://127.0.0.1:9091',
        textfile: `${plan.configDir}/metrics/shop.prom`,
        listen: { host: '127.0.0.1', port: 9464 },
        job: 'deploys',
      },
      alerts: { alertmanager: 'http://127.0.0.1:9093', labels: { team: 'web', tier: '1' } },
      dashboard: {
        title: 'Shop',
        datasource: 'prom-main',
        refresh: '1m',
        file: `${plan.configDir}/dash.json`,
      },
    });
    expect(plan.notify).toBeUndefined();
  });

  test('defaults: rollback on a failed watch, 5s interval, job stagecraft, dashboard defaults', async () => {
    const plan = await planOf(
      `name: shop\nmonitoring: { metrics: { textfile: m.prom }, dashboard: {} }\n${ONE_SERVICE}`,
    );
    expect(plan.monitoring).toEqual({
      onWatchFailure: 'rollback',
      watchIntervalMs: 5000,
      metrics: { job: 'stagecraft', textfile: `${plan.configDir}/m.prom` },
      dashboard: { title: 'stagecraft · shop', datasource: '${DS_PROMETHEUS}', refresh: '30s' },
    });
  });

  test('a plan without monitoring or notify has neither key', async () => {
    const plan = await planOf(ONE_SERVICE);
    expect('monitoring' in plan).toBe(false);
    expect('notify' in plan).toBe(false);
  });

  test('notify targets resolve with names, defaults and secrets by name only', async () => {
    const plan = await planOf(
      `secrets: [SLACK_URL, HOOK_KEY]
vars: { HOOK: "https://hooks.example" }
notify:
  - slack: { secret: SLACK_URL }
  - name: teams-ops
    teams: https://prod.powerplatform.example/workflows/1
    on: [failed, started, failed]
    timeout: 3s
    retries: 0
  - discord: https://discord.example/api/webhooks/1/t
  - webhook: "\${HOOK}/deploys"
    signingSecret: HOOK_KEY
  - webhook: { secret: SLACK_URL }
    signatureHeader: X-Hub-Signature-256
  - command: [./notify.sh, --quiet]
${ONE_SERVICE}`,
      { secretsFrom: { SLACK_URL: 'https://hooks.slack.example/T/B/X', HOOK_KEY: 'k3y' } },
    );
    const allButStarted = [
      'succeeded',
      'failed',
      'rolled-back',
      'rollback-incomplete',
      'decision-needed',
      'watch-failed',
    ];
    expect(plan.notify).toEqual([
      {
        name: 'notify[0]',
        kind: 'slack',
        url: { secret: 'SLACK_URL' },
        on: allButStarted,
        timeoutMs: 10_000,
        retries: 2,
      },
      {
        name: 'teams-ops',
        kind: 'teams',
        url: { value: 'https://prod.powerplatform.example/workflows/1' },
        on: ['started', 'failed'],
        timeoutMs: 3000,
        retries: 0,
      },
      {
        name: 'notify[2]',
        kind: 'discord',
        url: { value: 'https://discord.example/api/webhooks/1/t' },
        on: allButStarted,
        timeoutMs: 10_000,
        retries: 2,
      },
      {
        name: 'notify[3]',
        kind: 'webhook',
        url: { value: 'https://hooks.example/deploys' },
        signingSecret: 'HOOK_KEY',
        signatureHeader: 'X-Stagecraft-Signature',
        on: allButStarted,
        timeoutMs: 10_000,
        retries: 2,
      },
      {
        name: 'notify[4]',
        kind: 'webhook',
        url: { secret: 'SLACK_URL' },
        signatureHeader: 'X-Hub-Signature-256',
        on: allButStarted,
        timeoutMs: 10_000,
        retries: 2,
      },
      {
        name: 'notify[5]',
        kind: 'command',
        command: { run: ['./notify.sh', '--quiet'], cwd: plan.configDir, env: {} },
        on: allButStarted,
        timeoutMs: 10_000,
        retries: 2,
      },
    ]);
    expect(JSON.stringify(plan)).not.toContain('hooks.slack.example');
    expect(JSON.stringify(plan)).not.toContain('k3y');
  });

  test('an environment merges monitoring per field and replaces the notify list', async () => {
    const yaml = `environments:
  staging: {}
  prod:
    extends: staging
    monitoring:
      watch: 10m
      metrics: { job: prod }
      alerts: { labels: { env: prod } }
    notify:
      - command: "echo prod"
monitoring:
  watch: 1m
  watchInterval: 1s
  metrics: { pushgateway: "http://127.0.0.1:9091" }
  alerts: { alertmanager: "http://127.0.0.1:9093", labels: { team: web } }
notify:
  - slack: https://hooks.slack.example/x
${ONE_SERVICE}`;
    const prod = await planOf(yaml, { env: 'prod' });
    expect(prod.monitoring).toEqual({
      watchMs: 600_000,
      onWatchFailure: 'rollback',
      watchIntervalMs: 1000,
      metrics: { pushgateway: 'http://127.0.0.1:9091', job: 'prod' },
      alerts: { alertmanager: 'http://127.0.0.1:9093', labels: { team: 'web', env: 'prod' } },
    });
    expect(prod.notify?.map((t) => t.kind)).toEqual(['command']);
    const staging = await planOf(yaml, { env: 'staging' });
    expect(staging.monitoring?.watchMs).toBe(60_000);
    expect(staging.notify?.map((t) => t.kind)).toEqual(['slack']);
  });

  test('an environment with notify: [] sends nothing', async () => {
    const plan = await planOf(
      `environments: { dev: { notify: [] } }\nnotify: [{ command: "true" }]\n${ONE_SERVICE}`,
      { env: 'dev' },
    );
    expect(plan.notify).toBeUndefined();
  });

  test('watch: 0 means no watch', async () => {
    const plan = await planOf(`monitoring: { watch: 0 }\n${ONE_SERVICE}`);
    expect(plan.monitoring).toEqual({ onWatchFailure: 'rollback', watchIntervalMs: 5000 });
  });
});

describe('monitoring and notify problems', () => {
  test('bad monitoring values are refused with their paths', () => {
    expect(
      problems({
        services,
        monitoring: {
          watch: 'forever',
          onWatchFailure: 'panic',
          watchInterval: '10ms',
          metrics: { textfile: 'metrics.txt', job: 'a b', port: 1 },
          alerts: { labels: { 'bad-label': 'x', __name__: 'y' } },
          dashboard: { refresh: 'often' },
        },
      }),
    ).toEqual([
      'monitoring.watch: expected a duration like 250ms, 2s, 5m or 1h',
      'monitoring.onWatchFailure: expected one of "rollback", "ask", "alert"',
      'monitoring.watchInterval: expected at least 100ms',
      'monitoring.metrics.textfile: expected a file name ending in .prom (node_exporter reads only those)',
      'monitoring.metrics.job: expected letters, digits, ".", "_" or "-"',
      'monitoring.metrics.port: unknown key "port" (allowed: pushgateway, textfile, listen, job)',
      'monitoring.alerts.labels.bad-label: invalid name "bad-label": expected a label name (letters, digits, _; not starting with a digit)',
      'monitoring.alerts.labels.__name__: invalid name "__name__": names starting with "__" are reserved',
      'monitoring.dashboard.refresh: expected a Grafana refresh interval like 30s, 1m or 1h',
    ]);
  });

  test('a notify target needs exactly one kind, known events and webhook-only keys on a webhook', () => {
    expect(
      problems({
        services,
        secrets: ['S'],
        notify: [
          { on: ['failed'] },
          { slack: 'https://a.example', teams: 'https://b.example' },
          { slack: 'https://a.example', on: ['deployed'] },
          { slack: 'https://a.example', signingSecret: 'S' },
          { webhook: 'https://a.example', signatureHeader: 'bad header', retries: 11 },
          { webhook: { secret: 'lower case' }, timeout: '6m' },
          { command: '' },
          { slack: 3 },
          { chat: 'x' },
        ],
      }),
    ).toEqual([
      'notify[0]: a notify target needs exactly one of slack, teams, discord, webhook, command',
      'notify[1]: a notify target needs exactly one of slack, teams, discord, webhook, command',
      'notify[2].on[0]: expected one of "started", "succeeded", "failed", "rolled-back", "rollback-incomplete", "decision-needed", "watch-failed"',
      'notify[3]: signingSecret and signatureHeader belong to a webhook target',
      'notify[4].retries: Too big: expected number to be <=10',
      'notify[4].signatureHeader: expected an HTTP header name',
      'notify[5].webhook.secret: expected a variable name (letters, digits, _; not starting with a digit)',
      'notify[5].timeout: expected a duration above 0 and at most 5m',
      'notify[6].command: a command cannot be empty',
      'notify[7].slack: expected a URL or { secret: NAME } (a name listed in secrets)',
      'notify[8].chat: unknown key "chat" (allowed: name, slack, teams, discord, webhook, command, on, timeout, retries, signingSecret, signatureHeader)',
      'notify[8]: a notify target needs exactly one of slack, teams, discord, webhook, command',
    ]);
  });

  test('secrets a target names must be declared; target names are unique per list', () => {
    expect(
      problems({
        services,
        secrets: ['SLACK_URL'],
        notify: [
          { name: 'ops', slack: { secret: 'SLACK_UR' } },
          { name: 'ops', webhook: 'https://a.example', signingSecret: 'HOOK_KEY' },
        ],
        environments: { prod: { notify: [{ teams: { secret: 'TEAMS_URL' } }] } },
      }),
    ).toEqual([
      'notify[0].slack.secret: "SLACK_UR" is not declared in secrets (did you mean "SLACK_URL"?)',
      'notify[1].signingSecret: "HOOK_KEY" is not declared in secrets (add it to secrets (its value is read from the environment))',
      'notify[1].name: two notify targets are named "ops"',
      'environments.prod.notify[0].teams.secret: "TEAMS_URL" is not declared in secrets (add it to secrets (its value is read from the environment))',
    ]);
  });

  test('resolution reports a bad URL, a bad listen address, a secret interpolated, alerts without alertmanager', async () => {
    const err = await errorOf(
      `secrets: [TOKEN]
monitoring:
  metrics: { pushgateway: "ftp://x", listen: "localhost" }
  alerts: { labels: { team: web } }
notify:
  - slack: "https://hooks.example/\${TOKEN}"
  - webhook: "\${NOPE}/x"
${ONE_SERVICE}`,
    );
    expect(err.issues.map((i) => `${i.path}:${i.line}: ${i.message}`)).toEqual([
      'monitoring.alerts:4: monitoring.alerts needs alertmanager: the base URL of the Alertmanager to post to',
      'monitoring.metrics.pushgateway:3: expected an http(s) URL, got "ftp://x"',
      'monitoring.metrics.listen:3: expected "host:port" with a port 1-65535, got "localhost"',
      'notify[0].slack:6: ${TOKEN} is a secret and cannot be interpolated (secrets reach commands as environment variables)',
      'notify[1].webhook:7: unknown variable ${NOPE}',
    ]);
  });
});

describe('the JSON Schema', () => {
  type Js = { properties?: Record<string, Js>; items?: Js; [k: string]: unknown };

  test('declares monitoring and notify at the top level and in environments', () => {
    const schema = configJsonSchema() as Js;
    const top = schema.properties ?? {};
    expect(Object.keys(top.monitoring?.properties ?? {})).toEqual([
      'watch',
      'onWatchFailure',
      'watchInterval',
      'metrics',
      'alerts',
      'dashboard',
    ]);
    const target = top.notify?.items;
    expect(Object.keys(target?.properties ?? {})).toEqual(
      expect.arrayContaining(['slack', 'teams', 'discord', 'webhook', 'command', 'on']),
    );
    expect(target?.properties?.on?.default).toEqual([
      'succeeded',
      'failed',
      'rolled-back',
      'rollback-incomplete',
      'decision-needed',
      'watch-failed',
    ]);
    const env = (top.environments as Js & { additionalProperties?: Js }).additionalProperties;
    expect(Object.keys(env?.properties ?? {})).toEqual(
      expect.arrayContaining(['monitoring', 'notify']),
    );
  });
});
