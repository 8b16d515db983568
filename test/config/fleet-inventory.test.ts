import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { resolvePlan } from '../../src/config/resolve.js';
import type { ResolveOptions } from '../../src/config/resolve.js';
import { configError, project } from './helpers.js';

/** A temp project with `yaml` (and extra files), resolved with a temp $HOME: never the real ~. */
async function fleet(yaml: string, opts: ResolveOptions = {}, extra: Record<string, string> = {}) {
  const home = await project({});
  const dir = await project({ 'stagecraft.config.yaml': yaml, ...extra });
  const work = resolvePlan(await loadConfig({ cwd: dir }), {
    local: { home, user: 'operator' },
    ...opts,
  });
  return { home, dir, work };
}

const SERVICE = 'services:\n  api:\n    activate: "true"\n';

describe('inventory', () => {
  test('defaults: the name is the address, port 22, the local user, ssh defaults under $HOME', async () => {
    const { home, work } = await fleet(`hosts:\n  web-1: {}\n${SERVICE}`);
    const plan = await work;
    expect(plan.hosts).toEqual({
      'web-1': {
        name: 'web-1',
        address: 'web-1',
        port: 22,
        user: 'operator',
        roles: [],
        vars: {},
        ssh: {
          agent: true,
          knownHosts: [path.join(home, '.ssh/known_hosts')],
          connectTimeoutMs: 10_000,
          keepaliveMs: 5_000,
          keepaliveCount: 3,
        },
      },
    });
    // Nothing is placed: the services run here as before, and there is no rollout.
    expect(plan.services.api?.activate?.host).toBeUndefined();
    expect(plan.rollouts).toBeUndefined();
  });

  test('a config without hosts: has no hosts or rollouts in its plan', async () => {
    const plan = await (await fleet(SERVICE)).work;
    expect('hosts' in plan).toBe(false);
    expect('rollouts' in plan).toBe(false);
  });

  test('environment hosts merge per name over the top level (vars and ssh per key); new names add hosts', async () => {
    const yaml = `hosts:
  web-1: { address: 10.0.0.1, user: deploy, roles: [web], vars: { A: 1, B: x }, ssh: { keepalive: 1s, keepaliveCount: 2 } }
  web-2: { address: 10.0.0.2, roles: [web] }
ssh: { connectTimeout: 3s, agent: false }
environments:
  base:
    ssh: { connectTimeout: 4s, knownHosts: [kh1, ~/kh2] }
  prod:
    extends: base
    ssh: { agent: ~/agent.sock }
    hosts:
      web-1: { address: 192.0.2.1, roles: [web, canary], vars: { B: y, C: true }, ssh: { keepalive: 9s } }
      db-1: { address: 192.0.2.9, port: 2200, roles: [db] }
${SERVICE}`;
    const { home, dir, work } = await fleet(yaml, { env: 'prod' });
    const hosts = (await work).hosts!;
    expect(Object.keys(hosts)).toEqual(['web-1', 'web-2', 'db-1']);
    expect(hosts['web-1']).toMatchObject({
      address: '192.0.2.1',
      user: 'deploy',
      roles: ['web', 'canary'],
      vars: { A: '1', B: 'y', C: 'true' },
      ssh: {
        agent: path.join(home, 'agent.sock'),
        knownHosts: [path.join(dir, 'kh1'), path.join(home, 'kh2')],
        connectTimeoutMs: 4000,
        keepaliveMs: 9000,
        keepaliveCount: 2,
      },
    });
    expect(hosts['web-2']).toMatchObject({ address: '10.0.0.2', user: 'operator', port: 22 });
    expect(hosts['web-2']?.ssh).toMatchObject({ keepaliveMs: 5000, connectTimeoutMs: 4000 });
    expect(hosts['db-1']).toMatchObject({ port: 2200, roles: ['db'] });
    // The other environment does not see prod's hosts or settings.
    const { work: base } = await fleet(yaml, { env: 'base' });
    const baseHosts = (await base).hosts!;
    expect(Object.keys(baseHosts)).toEqual(['web-1', 'web-2']);
    expect(baseHosts['web-1']).toMatchObject({ address: '10.0.0.1', vars: { A: '1', B: 'x' } });
    expect(baseHosts['web-1']?.ssh.agent).toBe(false);
  });

  test('agent: true (the default) stays true: $SSH_AUTH_SOCK is read when connecting; identityFile is relative to the config folder', async () => {
    const { dir, work } = await fleet(
      `hosts:\n  h: { ssh: { identityFile: keys/deploy } }\n${SERVICE}`,
      { local: { home: '/nonexistent-home', user: 'me' } },
    );
    const h = (await work).hosts!.h!;
    expect(h.ssh.agent).toBe(true);
    expect(h.ssh.identityFile).toBe(path.join(dir, 'keys/deploy'));
    expect(h.user).toBe('me');
  });
});

describe('the OpenSSH client config', () => {
  const SSH_CONFIG = `Host web-*
  HostName %h.internal
  User deploy
  Port 2222
  IdentityFile ~/.ssh/web_key

Host db
  HostName 127.0.0.21
  IdentityFile keys/db_key

Host *
  User fallback
`;

  test('is honoured for HostName, User, Port and IdentityFile where the config sets nothing', async () => {
    const yaml = `ssh: { config: ssh/config }
hosts:
  web-1: { roles: [web] }
  web-2: { address: 127.0.0.12, user: ops, port: 22 }
  db: {}
  other: {}
${SERVICE}`;
    const { home, dir, work } = await fleet(yaml, {}, { 'ssh/config': SSH_CONFIG });
    const hosts = (await work).hosts!;
    expect(hosts['web-1']).toMatchObject({
      address: 'web-1.internal',
      user: 'deploy',
      port: 2222,
      ssh: { identityFile: path.join(home, '.ssh/web_key') },
    });
    // The stagecraft config wins where it sets a field.
    expect(hosts['web-2']).toMatchObject({ address: '127.0.0.12', user: 'ops', port: 22 });
    expect(hosts.db).toMatchObject({
      address: '127.0.0.21',
      user: 'fallback',
      port: 22,
      ssh: { identityFile: path.join(dir, 'ssh/keys/db_key') },
    });
    // Neither address nor HostName: the name is the address.
    expect(hosts.other).toMatchObject({ address: 'other', user: 'fallback' });
    expect(hosts.other?.ssh.identityFile).toBeUndefined();
  });

  test('the default is ~/.ssh/config under $HOME, and a host ssh.identityFile wins over it', async () => {
    const home = await project({
      '.ssh/config': 'Host h\n  HostName 127.0.0.5\n  IdentityFile ~/k\n',
    });
    const dir = await project({
      'stagecraft.config.yaml': `hosts:\n  h: { ssh: { identityFile: ~/mine } }\n  g: {}\n${SERVICE}`,
    });
    const plan = await resolvePlan(await loadConfig({ cwd: dir }), {
      local: { home, user: 'u' },
    });
    expect(plan.hosts?.h).toMatchObject({
      address: '127.0.0.5',
      ssh: { identityFile: path.join(home, 'mine') },
    });
    expect(plan.hosts?.g?.address).toBe('g');
  });

  test('a missing file sets nothing; a folder in its place is an error at ssh.config', async () => {
    const missing = await fleet(`ssh: { config: nope }\nhosts:\n  h: {}\n${SERVICE}`);
    expect((await missing.work).hosts?.h?.address).toBe('h');
    const folder = await fleet(
      `ssh: { config: sub }\nhosts:\n  h: {}\n${SERVICE}`,
      {},
      {
        'sub/x': '',
      },
    );
    const err = await configError(folder.work);
    expect(err.issues).toHaveLength(1);
    expect(err.issues[0]).toMatchObject({
      path: 'ssh.config',
      message: `the OpenSSH client config cannot be used: not a regular file (a FIFO, socket, device or folder): ${path.join(folder.dir, 'sub')}`,
      hint: 'point ssh.config at a readable OpenSSH client config file',
    });
  });

  test('Match exec is never run while resolving a plan', async () => {
    const { dir, work } = await fleet(
      `ssh: { config: ssh_config }\nhosts:\n  h: {}\n${SERVICE}`,
      {},
      { ssh_config: 'Match exec "touch ran"\n  HostName 127.0.0.9\n' },
    );
    const plan = await work;
    expect(plan.hosts?.h?.address).toBe('h');
    const { existsSync } = await import('node:fs');
    expect(existsSync(path.join(dir, 'ran'))).toBe(false);
    expect(existsSync(path.join(process.cwd(), 'ran'))).toBe(false);
  });
});
