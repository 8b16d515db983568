/**
 * The inventory of one environment: top-level `hosts:` merged with the environment chain's
 * (per host name, later fields win; `vars` and `ssh` per key), `ssh:` merged top level <
 * environment chain < host, the OpenSSH client config honoured where the config sets nothing,
 * then the defaults.
 */
import path from 'node:path';
import type { ConfigIssue } from './errors.js';
import { issueAt } from './issues.js';
import type { IssueContext } from './issues.js';
import type { HostSpec, SshSpec } from './plan-types.js';
import { SSH_DEFAULTS, SSH_PORT } from './schema-fleet.js';
import type { HostInput, SshInput } from './schema-fleet.js';
import type { Config } from './schema.js';
import { readSshClientConfig } from './ssh-client-config.js';
import type { SshClientConfig, SshClientHost } from './ssh-client-config.js';

/** The operator's machine, as far as defaults need it (injected: tests never read the real ~). */
export interface LocalSide {
  /** $HOME: what `~/` expands to. */
  home: string;
  /** The local user name: the login user when neither the config nor the ssh config sets one. */
  user: string;
}

/** A host merged over every level that defines it, with where its `ssh` fields were set. */
interface MergedHost {
  address?: string;
  port?: number;
  user?: string;
  roles: string[];
  vars: Record<string, string>;
  ssh: SshInput;
}

type SshKey = keyof SshInput;

/** Where each ssh field was last set (a config path), for messages. */
type SshOrigin = Partial<Record<SshKey, PropertyKey[]>>;

/** Every host name and role the config defines, in any environment (for `on:` checks). */
export function inventoryNames(config: Pick<Config, 'hosts' | 'environments'>): {
  hosts: string[];
  roles: string[];
} {
  const hosts = new Set<string>();
  const roles = new Set<string>();
  const add = (map: Record<string, HostInput> | undefined): void => {
    for (const [name, h] of Object.entries(map ?? {})) {
      hosts.add(name);
      for (const r of h.roles ?? []) roles.add(r);
    }
  };
  add(config.hosts);
  for (const env of Object.values(config.environments ?? {})) add(env.hosts);
  return { hosts: [...hosts], roles: [...roles] };
}

/** Resolves the inventory of the environment whose `extends` chain is `chain`. */
export async function resolveInventory(input: {
  config: Config;
  chain: string[];
  dir: string;
  local: LocalSide;
  ctx: IssueContext;
}): Promise<{ hosts: Record<string, HostSpec>; issues: ConfigIssue[] }> {
  const { config, chain, dir, local, ctx } = input;
  const issues: ConfigIssue[] = [];
  const levels: Array<{ at: PropertyKey[]; hosts?: Record<string, HostInput>; ssh?: SshInput }> = [
    { at: [], ...pick(config) },
    ...chain.map((env) => ({ at: ['environments', env], ...pick(config.environments?.[env]) })),
  ];

  const baseSsh: SshInput = {};
  const baseOrigin: SshOrigin = {};
  for (const level of levels) mergeSsh(baseSsh, baseOrigin, level.ssh, [...level.at, 'ssh']);

  const merged = new Map<string, { host: MergedHost; origin: SshOrigin }>();
  for (const level of levels) {
    for (const [name, h] of Object.entries(level.hosts ?? {})) {
      let entry = merged.get(name);
      if (entry === undefined) {
        entry = {
          host: { roles: [], vars: {}, ssh: { ...baseSsh } },
          origin: { ...baseOrigin },
        };
        merged.set(name, entry);
      }
      const m = entry.host;
      if (h.address !== undefined) m.address = h.address;
      if (h.port !== undefined) m.port = h.port;
      if (h.user !== undefined) m.user = h.user;
      if (h.roles !== undefined) m.roles = [...new Set(h.roles)];
      Object.assign(m.vars, h.vars ?? {});
      mergeSsh(m.ssh, entry.origin, h.ssh, [...level.at, 'hosts', name, 'ssh']);
    }
  }

  const clientConfigs = new Map<string, Promise<SshClientConfig | string>>();
  const clientConfig = (file: string): Promise<SshClientConfig | string> => {
    let p = clientConfigs.get(file);
    if (p === undefined) {
      p = readSshClientConfig(file).then((r) => (r.ok ? r.config : r.reason));
      clientConfigs.set(file, p);
    }
    return p;
  };

  const hosts: Record<string, HostSpec> = {};
  const reported = new Set<string>();
  for (const [name, { host, origin }] of merged) {
    const ssh = host.ssh;
    const configFile = expand(ssh.config ?? SSH_DEFAULTS.config, dir, local.home);
    const client = await clientConfig(configFile);
    let fromClient: SshClientHost = {};
    if (typeof client === 'string') {
      if (!reported.has(configFile)) {
        reported.add(configFile);
        issues.push(
          issueAt(
            ctx,
            origin.config ?? ['ssh', 'config'],
            `the OpenSSH client config cannot be used: ${client}`,
            'point ssh.config at a readable OpenSSH client config file',
          ),
        );
      }
    } else fromClient = client.lookup(name);
    const spec: SshSpec = {
      agent:
        ssh.agent === false
          ? false
          : typeof ssh.agent === 'string'
            ? expand(ssh.agent, dir, local.home)
            : true,
      knownHosts: toList(ssh.knownHosts ?? [...SSH_DEFAULTS.knownHosts]).map((f) =>
        expand(f, dir, local.home),
      ),
      connectTimeoutMs: ssh.connectTimeout ?? SSH_DEFAULTS.connectTimeoutMs,
      keepaliveMs: ssh.keepalive ?? SSH_DEFAULTS.keepaliveMs,
      keepaliveCount: ssh.keepaliveCount ?? SSH_DEFAULTS.keepaliveCount,
    };
    if (ssh.identityFile !== undefined)
      spec.identityFile = expand(ssh.identityFile, dir, local.home);
    else if (fromClient.identityFile !== undefined)
      spec.identityFile = expand(fromClient.identityFile, path.dirname(configFile), local.home);
    hosts[name] = {
      name,
      address: host.address ?? fromClient.hostName ?? name,
      port: host.port ?? fromClient.port ?? SSH_PORT,
      user: host.user ?? fromClient.user ?? local.user,
      roles: host.roles,
      vars: host.vars,
      ssh: spec,
    };
  }
  return { hosts, issues };
}

function pick(
  level: { hosts?: Record<string, HostInput> | undefined; ssh?: SshInput | undefined } | undefined,
): {
  hosts?: Record<string, HostInput>;
  ssh?: SshInput;
} {
  const out: { hosts?: Record<string, HostInput>; ssh?: SshInput } = {};
  if (level?.hosts !== undefined) out.hosts = level.hosts;
  if (level?.ssh !== undefined) out.ssh = level.ssh;
  return out;
}

function mergeSsh(
  into: SshInput,
  origin: SshOrigin,
  from: SshInput | undefined,
  at: PropertyKey[],
): void {
  for (const [key, value] of Object.entries(from ?? {}) as Array<[SshKey, unknown]>) {
    if (value === undefined) continue;
    (into as Record<string, unknown>)[key] = value;
    origin[key] = [...at, key];
  }
}

function toList(v: string | string[]): string[] {
  return Array.isArray(v) ? v : [v];
}

/** `~` and `~/x` → under `home`; other relative paths → under `base`. */
function expand(p: string, base: string, home: string): string {
  if (p === '~') return home;
  if (p.startsWith('~/')) return path.join(home, p.slice(2));
  return path.resolve(base, p);
}
