import { afterEach, describe, expect, test } from 'vitest';
import { MINIMAL_CONFIG, makeProject, removeProject, runInProcess } from './helpers.js';

let dir: string | undefined;
afterEach(async () => {
  await removeProject(dir);
  dir = undefined;
});

const TOKEN = 'T0PLAN/B0PLAN/plan-sentinel-token';

describe('stagecraft plan with monitoring and notify', () => {
  test('shows the watch, metrics, alerts, dashboard and targets; chat URLs by origin, secrets by name', async () => {
    dir = await makeProject({
      'stagecraft.config.yaml': `secrets: [SLACK_URL, HOOK_KEY]
monitoring:
  watch: 5m
  watchInterval: 2s
  onWatchFailure: alert
  metrics: { pushgateway: "http://127.0.0.1:9091", textfile: m/shop.prom }
  alerts: { alertmanager: "http://127.0.0.1:9093", labels: { team: web } }
  dashboard: { file: dash.json }
notify:
  - name: ops
    slack: { secret: SLACK_URL }
  - teams: https://flows.example/${TOKEN}
    on: [failed]
  - webhook: https://hooks.example
    signingSecret: HOOK_KEY
  - command: [./page.sh, web]
    on: [rollback-incomplete]
${MINIMAL_CONFIG}`,
    });
    const r = await runInProcess(['plan'], {
      cwd: dir,
      env: { PATH: process.env.PATH, SLACK_URL: `https://hooks.slack.example/${TOKEN}` },
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = r.stdout;
    expect(out).toContain(
      [
        'monitoring:',
        '  watch 5m before the release is recorded, probes every 2s; a failure: alert',
        '  metrics: pushgateway http://127.0.0.1:9091, textfile m/shop.prom (job stagecraft)',
        '  alerts: alertmanager http://127.0.0.1:9093, labels team=web',
        '  dashboard: "stagecraft · mini" (datasource ${DS_PROMETHEUS}, refresh 30s) → dash.json',
        '',
        'notify:',
        '  ops: slack secret SLACK_URL (set); on succeeded, failed, rolled-back, rollback-incomplete, decision-needed, watch-failed',
        '  notify[1]: teams https://flows.example/…; on failed',
        '  notify[2]: webhook https://hooks.example, signed with secret HOOK_KEY (NOT SET) in X-Stagecraft-Signature; on succeeded, failed, rolled-back, rollback-incomplete, decision-needed, watch-failed',
        '  notify[3]: command ["./page.sh","web"]; on rollback-incomplete',
      ].join('\n'),
    );
    expect(out).not.toContain('sentinel');
  });
});
