import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../src/config/errors.js';
import { validateConfig } from '../../src/config/validate.js';

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

const svc = (extra: Record<string, unknown> = {}) => ({ activate: 'true', ...extra });
const HOSTS = {
  'web-1': { address: '127.0.0.11', roles: ['web'] },
  'web-2': { address: '127.0.0.12', roles: ['web'], vars: { SLOT: 2, TLS: true } },
};

describe('fleet schema', () => {
  test('a full fleet config is accepted, vars stringified', () => {
    const config = validateConfig({
      hosts: HOSTS,
      ssh: { identityFile: 'keys/id', agent: false, knownHosts: 'kh', connectTimeout: '5m' },
      environments: {
        prod: {
          hosts: {
            'web-3': { port: 2222, user: 'deploy', ssh: { keepalive: '2s', keepaliveCount: 1 } },
          },
          ssh: { agent: '/run/agent.sock', config: 'ssh_config' },
        },
      },
      stages: [{ name: 's', services: ['api'], rollout: { batch: '50%' } }],
      services: {
        api: svc({
          on: ['web', 'web-3'],
          rollout: { batch: [1, '25%', 100], failureBudget: '10%', minHealthy: '2s' },
        }),
      },
    });
    expect(config.hosts?.['web-2']?.vars).toEqual({ SLOT: '2', TLS: 'true' });
    expect(config.services.api?.rollout?.minHealthy).toBe(2000);
    expect(config.ssh?.connectTimeout).toBe(300_000);
  });

  test('unknown keys in hosts, ssh and rollout get a did-you-mean', () => {
    expect(
      problems({
        hosts: { h: { adress: 'x' } },
        ssh: { identity: 'k' },
        services: { api: svc({ on: 'h', rollout: { batches: 1 } }) },
      }),
    ).toEqual([
      'hosts.h.adress: unknown key "adress" (did you mean "address"?)',
      'ssh.identity: unknown key "identity" (allowed: identityFile, agent, knownHosts, connectTimeout, keepalive, keepaliveCount, config)',
      'services.api.rollout.batches: unknown key "batches" (did you mean "batch"?)',
    ]);
  });

  test('bad values are refused with what was expected', () => {
    expect(
      problems({
        hosts: { 'bad name': {}, h: { port: 70000, roles: ['ok', 'no way'] } },
        ssh: { connectTimeout: '6m', keepaliveCount: 0, agent: 3 },
        services: {
          api: svc({ on: 'h', rollout: { batch: '0%', failureBudget: -1 } }),
          b: svc({ on: [], rollout: { batch: [] } }),
          c: svc({ on: 'h', rollout: { batch: '150%', failureBudget: '101%' } }),
        },
      }),
    ).toEqual([
      'hosts["bad name"]: invalid name "bad name": expected a name of letters, digits, ".", "_" or "-"',
      'hosts.h.port: Too big: expected number to be <=65535',
      'hosts.h.roles[1]: expected a name of letters, digits, ".", "_" or "-"',
      'ssh.agent: expected true, false or a socket path',
      'ssh.connectTimeout: at most 5m',
      'ssh.keepaliveCount: Too small: expected number to be >=1',
      'services.api.rollout.batch: expected a percentage above 0% and at most 100%, like "25%"',
      'services.api.rollout.failureBudget: Too small: expected number to be >=0',
      'services.b.on: list at least one host or role',
      'services.b.rollout.batch: a ramp needs at least one size',
      'services.c.rollout.batch: expected a percentage above 0% and at most 100%, like "25%"',
      'services.c.rollout.failureBudget: expected a percentage of at most 100%, like "10%"',
    ]);
  });

  test('rollout: without on: is an error: nothing to roll out', () => {
    expect(problems({ services: { api: svc({ rollout: { batch: 1 } }) } })).toEqual([
      'services.api.rollout: service "api" has rollout: but no on: (it runs once, on this machine: nothing to roll out) (place it on hosts with on: ROLE, or remove rollout:)',
    ]);
  });

  test('on: without any hosts in the config says to add hosts:', () => {
    expect(problems({ services: { api: svc({ on: 'web' }) } })).toEqual([
      'services.api.on: service "api" is placed with on: but the config defines no hosts (add hosts: (name → { address, user, roles }) at the top level or in the environment)',
    ]);
  });

  test('an unknown on: name is named, with a did-you-mean and the known hosts and roles', () => {
    expect(
      problems({
        hosts: HOSTS,
        environments: { prod: { hosts: { db: { roles: ['data'] } } } },
        services: { api: svc({ on: ['wbe', 'web-1', 'cache'] }), b: svc({ on: 'dta' }) },
      }),
    ).toEqual([
      'services.api.on[0]: service "api" is placed on unknown host or role "wbe" (did you mean "web"? (hosts: web-1, web-2, db; roles: web, data))',
      'services.api.on[2]: service "api" is placed on unknown host or role "cache" (hosts: web-1, web-2, db; roles: web, data)',
      'services.b.on: service "b" is placed on unknown host or role "dta" (did you mean "data"? (hosts: web-1, web-2, db; roles: web, data))',
    ]);
  });

  test('host vars cannot shadow HOST, HOST_NAME, ENV or a secret', () => {
    expect(
      problems({
        secrets: ['TOKEN'],
        hosts: { h: { vars: { HOST: 'x', TOKEN: 'y' } } },
        environments: { e: { hosts: { h: { vars: { HOST_NAME: 'z' } } } } },
      }),
    ).toEqual([
      'hosts.h.vars.HOST: "HOST" is reserved: every instance is given it (rename the var)',
      'hosts.h.vars.TOKEN: "TOKEN" is a secret and cannot be set as a host variable (set it in the environment of the stagecraft process)',
      'environments.e.hosts.h.vars.HOST_NAME: "HOST_NAME" is reserved: every instance is given it (rename the var)',
    ]);
  });
});
