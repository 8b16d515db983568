import { describe, expect, test } from 'vitest';
import { formatPlan } from '../../src/cli/format-plan.js';
import { loadConfig } from '../../src/config/load.js';
import { resolvePlan } from '../../src/config/resolve.js';
import { project } from './helpers.js';

const YAML = `hosts:
  web-1: { address: 127.0.0.11, user: deploy, roles: [web] }
  web-2: { address: 127.0.0.12, user: deploy, roles: [web] }
  web-3: { address: 127.0.0.13, user: deploy, roles: [web] }
services:
  api:
    on: web
    activate: ./deploy.sh
    health: { http: "http://\${HOST}:8080/healthz" }
    rollout: { batch: 1, failureBudget: 1, minHealthy: 2s }
  report: { dependsOn: [api], activate: "echo ok" }
`;

describe('plan text of a fleet', () => {
  test('shows the inventory, and each placed service once with its hosts and batches', async () => {
    const home = await project({});
    const dir = await project({ 'stagecraft.config.yaml': YAML });
    const plan = await resolvePlan(await loadConfig({ cwd: dir }), {
      local: { home, user: 'me' },
    });
    const text = formatPlan(plan, dir, {});
    expect(text).toContain(
      [
        'hosts:',
        '  web-1  deploy@127.0.0.11:22  roles web',
        '  web-2  deploy@127.0.0.12:22  roles web',
        '  web-3  deploy@127.0.0.13:22  roles web',
      ].join('\n'),
    );
    expect(text).toContain(
      [
        '     - api: activate `./deploy.sh`',
        '         on web-1, web-2, web-3 · batches 1, 1, 1 · budget 1 · minHealthy 2s',
        '         health (web-1): http GET http://127.0.0.11:8080/healthz (every 1s, timeout 2s, retries 3)',
      ].join('\n'),
    );
    expect(text).toContain('     - report: activate `echo ok`, depends on api\n');
    expect(text).not.toContain('api@web-2');
    expect(text).toContain('activation order: api ×3 → report\n');
    expect(text).toContain('rollback order:   report → api ×3\n');
  });

  test('a long fleet is shortened: the first hosts, the last, the count; long runs of batches as size×count', async () => {
    const hosts = Array.from({ length: 40 }, (_, i) => `  h${i + 1}: { roles: [web] }`).join('\n');
    const home = await project({});
    const dir = await project({
      'stagecraft.config.yaml': `hosts:\n${hosts}\nservices:\n  api: { on: web, activate: "true", rollout: { batch: [1, "10%"] } }\n`,
    });
    const plan = await resolvePlan(await loadConfig({ cwd: dir }), {
      local: { home, user: 'me' },
    });
    expect(formatPlan(plan, dir, {})).toContain(
      '         on h1, h2, h3, …, h40 (40 hosts) · batches 1, 4×9, 3 · budget 0 · minHealthy 0ms\n',
    );
  });
});

describe('fleet wording', () => {
  const hostsYaml = `hosts:
  web-1: { address: 127.0.0.11, user: deploy, roles: [web], vars: { PORT: "8081" } }
  web-2: { address: 127.0.0.12, user: deploy, roles: [web] }
secrets: [TOKEN]
`;
  test("the plan shows each host's own variables", async () => {
    const home = await project({});
    const dir = await project({
      'stagecraft.config.yaml': `${hostsYaml}services:\n  api: { on: web, activate: "true" }\n`,
    });
    const plan = await resolvePlan(await loadConfig({ cwd: dir }), {
      local: { home, user: 'me' },
    });
    const text = formatPlan(plan, dir, {});
    expect(text).toContain('  web-1  deploy@127.0.0.11:22  roles web  vars PORT="8081"\n');
    expect(text).toContain('  web-2  deploy@127.0.0.12:22  roles web\n');
  });

  test.each([
    [
      '1.5',
      /rollout\.batch: .*a whole count of at least 1, a percentage like "25%", or a ramp list/,
    ],
    ['[1, 0]', /rollout\.batch\[1\]: a batch size is at least 1/],
    ['[1, 2.5]', /rollout\.batch: .*a whole count of at least 1/],
  ])('batch: %s says what a batch size is', async (batch, message) => {
    const dir = await project({
      'stagecraft.config.yaml': `${hostsYaml}services:\n  api: { on: web, activate: "true", rollout: { batch: ${batch} } }\n`,
    });
    const err = await loadConfig({ cwd: dir }).then(
      () => undefined,
      (e: unknown) => e,
    );
    const issues = (err as { issues?: Array<{ path?: string; message: string }> }).issues ?? [];
    expect(issues.map((i) => `${i.path ?? ''}: ${i.message}`).join('\n')).toMatch(message);
  });
});
