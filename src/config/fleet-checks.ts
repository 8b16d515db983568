/**
 * Fleet checks that hold for every environment: `on:` names known, `on:` only with an
 * inventory, `rollout:` only on a placed service, host vars that cannot shadow what an instance
 * is given.
 */
import type { ConfigIssue } from './errors.js';
import { didYouMean } from './did-you-mean.js';
import { inventoryNames } from './inventory.js';
import { issueAt } from './issues.js';
import type { IssueContext } from './issues.js';
import type { HostInput } from './schema-fleet.js';
import type { Config } from './schema.js';

/** Names an instance is given; a host var of that name would hide them. */
const RESERVED_HOST_VARS = new Set(['HOST', 'HOST_NAME', 'ENV']);

/** Every fleet problem of the config, in config order. */
export function checkFleet(config: Config, ctx: IssueContext): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const known = inventoryNames(config);
  const knownSet = new Set([...known.hosts, ...known.roles]);
  const listing = `hosts: ${known.hosts.join(', ')}${known.roles.length > 0 ? `; roles: ${known.roles.join(', ')}` : ''}`;
  for (const [name, s] of Object.entries(config.services)) {
    const at = ['services', name];
    if (s.rollout !== undefined && s.on === undefined) {
      issues.push(
        issueAt(
          ctx,
          [...at, 'rollout'],
          `service "${name}" has rollout: but no on: (it runs once, on this machine: nothing to roll out)`,
          'place it on hosts with on: ROLE, or remove rollout:',
        ),
      );
    }
    if (s.on === undefined) continue;
    if (known.hosts.length === 0) {
      issues.push(
        issueAt(
          ctx,
          [...at, 'on'],
          `service "${name}" is placed with on: but the config defines no hosts`,
          'add hosts: (name → { address, user, roles }) at the top level or in the environment',
        ),
      );
      continue;
    }
    const names = Array.isArray(s.on) ? s.on : [s.on];
    names.forEach((target, i) => {
      if (knownSet.has(target)) return;
      const guess = didYouMean(target, knownSet);
      issues.push(
        issueAt(
          ctx,
          Array.isArray(s.on) ? [...at, 'on', i] : [...at, 'on'],
          `service "${name}" is placed on unknown host or role "${target}"`,
          guess === undefined ? listing : `${guess} (${listing})`,
        ),
      );
    });
  }
  const secrets = new Set(config.secrets);
  const hostVars = (hosts: Record<string, HostInput> | undefined, at: PropertyKey[]): void => {
    for (const [host, h] of Object.entries(hosts ?? {})) {
      for (const key of Object.keys(h.vars ?? {})) {
        const where = [...at, host, 'vars', key];
        if (RESERVED_HOST_VARS.has(key))
          issues.push(
            issueAt(
              ctx,
              where,
              `"${key}" is reserved: every instance is given it`,
              'rename the var',
            ),
          );
        else if (secrets.has(key))
          issues.push(
            issueAt(
              ctx,
              where,
              `"${key}" is a secret and cannot be set as a host variable`,
              'set it in the environment of the stagecraft process',
            ),
          );
      }
    }
  };
  hostVars(config.hosts, ['hosts']);
  for (const [env, def] of Object.entries(config.environments ?? {}))
    hostVars(def.hosts, ['environments', env, 'hosts']);
  return issues;
}
