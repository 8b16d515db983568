import { describe, expect, test } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { resolvePlan } from '../../src/config/resolve.js';
import type { ResolveOptions } from '../../src/config/resolve.js';
import { configError, project } from './helpers.js';

/** Resolves `yaml` with a temp $HOME, so the real ~/.ssh is never read. */
async function resolveFleet(yaml: string, opts: ResolveOptions = {}) {
  const home = await project({});
  const dir = await project({ 'stagecraft.config.yaml': yaml });
  return {
    dir,
    work: loadConfig({ cwd: dir }).then((loaded) =>
      resolvePlan(loaded, { local: { home, user: 'operator' }, ...opts }),
    ),
  };
}

const FLEET = `vars: { PORT: "8080", REGION: eu }
hosts:
  web-1: { address: 127.0.0.11, roles: [web], vars: { REGION: us, SLOT: 1 } }
  db-1: { address: 127.0.0.21, roles: [db] }
  web-2: { address: 127.0.0.12, roles: [web, canary] }
  web-3: { address: 127.0.0.13, roles: [web] }
`;

describe('placed services expand into one instance per host', () => {
  test('names, placement, hosts on every command, HOST/HOST_NAME/vars in env, cwd as given or ""', async () => {
    const yaml = `${FLEET}services:
  db:
    on: db
    process: { run: [pg, start], cwd: /srv/db }
  api:
    on: web
    dependsOn: [db]
    activate: { run: ./deploy.sh, env: { REGION: mine } }
    rollback: ./rollback.sh
    stop: { run: ./stop.sh, cwd: "releases/\${REGION}" }
    health: { command: ./check.sh }
    readiness: [{ http: "http://\${HOST}:\${PORT}/ready?r=\${REGION}&n=\${HOST_NAME}" }, { tcp: "\${HOST}:\${PORT}" }]
    performance: { http: "http://\${HOST}:\${PORT}/", p95: 100ms }
  report:
    dependsOn: [api]
    activate: echo done
`;
    const { dir, work } = await resolveFleet(yaml);
    const plan = await work;
    expect(Object.keys(plan.services)).toEqual([
      'db@db-1',
      'api@web-1',
      'api@web-2',
      'api@web-3',
      'report',
    ]);
    const web1 = plan.hosts!['web-1']!;
    const api1 = plan.services['api@web-1']!;
    expect(api1.name).toBe('api@web-1');
    expect(api1.placement).toEqual({ service: 'api', host: 'web-1' });
    expect(api1.dependsOn).toEqual(['db@db-1']);
    const hostEnv = { HOST: '127.0.0.11', HOST_NAME: 'web-1', REGION: 'us', SLOT: '1' };
    // The command's own env wins over the host's vars.
    expect(api1.activate).toEqual({
      run: './deploy.sh',
      cwd: '',
      env: { ...hostEnv, REGION: 'mine' },
      host: web1,
    });
    expect(api1.rollback).toEqual({ run: './rollback.sh', cwd: '', env: hostEnv, host: web1 });
    expect(api1.stop).toEqual({ run: './stop.sh', cwd: 'releases/us', env: hostEnv, host: web1 });
    expect(api1.health?.command).toEqual({ run: './check.sh', cwd: '', env: hostEnv, host: web1 });
    // Probes are interpolated per instance: host vars win over plan vars.
    expect(api1.readiness[0]?.http?.url).toBe('http://127.0.0.11:8080/ready?r=us&n=web-1');
    expect(api1.readiness[0]?.label).toBe('http GET http://127.0.0.11:8080/ready?r=us&n=web-1');
    expect(api1.readiness[1]?.tcp).toEqual({ host: '127.0.0.11', port: 8080 });
    expect(api1.readiness[1]?.label).toBe('tcp 127.0.0.11:8080');
    expect(api1.performance?.url).toBe('http://127.0.0.11:8080/');
    const api2 = plan.services['api@web-2']!;
    expect(api2.readiness[0]?.http?.url).toBe('http://127.0.0.12:8080/ready?r=eu&n=web-2');
    expect(api2.activate?.env).toEqual({ HOST: '127.0.0.12', HOST_NAME: 'web-2', REGION: 'mine' });
    expect(plan.services['db@db-1']?.process).toMatchObject({
      cwd: '/srv/db',
      host: plan.hosts!['db-1'],
    });
    // An unplaced service still runs here, in the config folder, and waits for every instance.
    expect(plan.services.report?.activate).toEqual({ run: 'echo done', cwd: dir, env: {} });
    expect(plan.services.report?.dependsOn).toEqual(['api@web-1', 'api@web-2', 'api@web-3']);
    // Stages, groups and orders list the instances in inventory order; rollback reversed.
    expect(plan.stages[0]?.services).toEqual([
      'db@db-1',
      'api@web-1',
      'api@web-2',
      'api@web-3',
      'report',
    ]);
    expect(plan.groups.map((g) => g.services)).toEqual([
      ['db@db-1'],
      ['api@web-1', 'api@web-2', 'api@web-3'],
      ['report'],
    ]);
    expect(api1.group).toBe(plan.groups[1]?.name);
    expect(plan.activationOrder).toEqual([
      'db@db-1',
      'api@web-1',
      'api@web-2',
      'api@web-3',
      'report',
    ]);
    expect(plan.rollbackOrder).toEqual([...plan.activationOrder].reverse());
    expect(plan.rollouts).toEqual({
      db: {
        service: 'db',
        instances: ['db@db-1'],
        hosts: ['db-1'],
        batches: [1],
        failureBudget: 0,
        minHealthyMs: 0,
      },
      api: {
        service: 'api',
        instances: ['api@web-1', 'api@web-2', 'api@web-3'],
        hosts: ['web-1', 'web-2', 'web-3'],
        batches: [3],
        failureBudget: 0,
        minHealthyMs: 0,
      },
    });
    // The whole inventory, placed on or not.
    expect(Object.keys(plan.hosts!)).toEqual(['web-1', 'db-1', 'web-2', 'web-3']);
  });

  test('on: mixes hosts and roles: the union in inventory order, each host once', async () => {
    const yaml = `${FLEET}services:\n  api:\n    on: [web-3, canary, db-1, web-2]\n    activate: "true"\n`;
    const plan = await (await resolveFleet(yaml)).work;
    expect(plan.rollouts?.api?.hosts).toEqual(['db-1', 'web-2', 'web-3']);
    expect(plan.activationOrder).toEqual(['api@db-1', 'api@web-2', 'api@web-3']);
  });

  test('rollout: a stage gives its services defaults, the service overrides per field', async () => {
    const yaml = `${FLEET}stages:
  - name: edge
    services: [api, worker]
    rollout: { batch: [1, "50%"], failureBudget: "34%", minHealthy: 2s }
services:
  api: { on: web, activate: "true", rollout: { batch: 1 } }
  worker: { on: web, activate: "true" }
`;
    const plan = await (await resolveFleet(yaml)).work;
    expect(plan.rollouts?.api).toMatchObject({
      batches: [1, 1, 1],
      failureBudget: 1,
      minHealthyMs: 2000,
    });
    expect(plan.rollouts?.worker).toMatchObject({
      batches: [1, 2],
      failureBudget: 1,
      minHealthyMs: 2000,
    });
    expect(plan.stages[0]?.services).toEqual([
      'api@web-1',
      'api@web-2',
      'api@web-3',
      'worker@web-1',
      'worker@web-2',
      'worker@web-3',
    ]);
    expect(plan.services['api@web-2']?.stage).toBe('edge');
  });

  test('one host, budget 0 and 100%: one batch of one', async () => {
    const yaml = `hosts:\n  solo: {}\nservices:\n  api: { on: solo, activate: "true", rollout: { batch: "100%", failureBudget: 0 } }\n`;
    const plan = await (await resolveFleet(yaml)).work;
    expect(plan.rollouts?.api).toEqual({
      service: 'api',
      instances: ['api@solo'],
      hosts: ['solo'],
      batches: [1],
      failureBudget: 0,
      minHealthyMs: 0,
    });
    expect(plan.services['api@solo']?.activate?.host?.address).toBe('solo');
  });
});

describe('placement errors', () => {
  test('on: matching no host in the selected environment names the environment and its hosts', async () => {
    const yaml = `hosts:
  web-1: { roles: [web] }
environments:
  staging: {}
  prod:
    hosts: { db-1: { roles: [db] } }
services:
  db: { on: db, activate: "true" }
`;
    const err = await configError((await resolveFleet(yaml, { env: 'staging' })).work);
    expect(err.issues.map((i) => [i.path, i.message, i.hint])).toEqual([
      [
        'services.db.on',
        'service "db" is placed on db, which matches no host in environment "staging"',
        'hosts here: web-1; roles: web',
      ],
    ]);
    expect((await (await resolveFleet(yaml, { env: 'prod' })).work).activationOrder).toEqual([
      'db@db-1',
    ]);
  });

  test('an environment without any host says where to add them', async () => {
    const yaml = `environments:\n  a: {}\n  b: { hosts: { h: {} } }\nservices:\n  api: { on: h, activate: "true" }\n`;
    const err = await configError((await resolveFleet(yaml, { env: 'a' })).work);
    expect(err.issues[0]?.hint).toBe(
      'environment "a" has no hosts: add them under hosts: or environments.a.hosts',
    );
  });

  test('${HOST} in a probe of a service without on: is an unknown variable, as before', async () => {
    const yaml = `${FLEET}services:\n  local:\n    activate: "true"\n    health: { http: "http://\${HOST}/" }\n    readiness: [{ tcp: "\${HOST_NAME}:80" }, { tcp: "x:\${SLOT}" }]\n  api:\n    on: web\n    activate: "true"\n    health: { http: "http://\${HOST}/\${NOPE}" }\n`;
    const err = await configError((await resolveFleet(yaml)).work);
    // One issue per problem of the service as written, not one per instance.
    expect(err.issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      'services.local.readiness[0].tcp: unknown variable ${HOST_NAME}',
      'services.local.readiness[1].tcp: unknown variable ${SLOT}',
      'services.local.health.http: unknown variable ${HOST}',
      'services.api.health.http: unknown variable ${NOPE}',
    ]);
  });

  test('an unknown on: name is refused before any environment is resolved', async () => {
    const err = await configError(
      (await resolveFleet(`${FLEET}services:\n  api: { on: [webb], activate: "true" }\n`)).work,
    );
    expect(err.issues).toMatchObject([
      {
        path: 'services.api.on[0]',
        message: 'service "api" is placed on unknown host or role "webb"',
        hint: 'did you mean "web"? (hosts: web-1, db-1, web-2, web-3; roles: web, db, canary)',
      },
    ]);
    expect(err.issues[0]?.line).toBeGreaterThan(0);
  });
});
