/**
 * Fleets: the inventory (`hosts:`), how to reach it (`ssh:`), where a service runs (`on:`) and how
 * its instances roll out (`rollout:`). Fields that merge (top level < environment < host) carry
 * no defaults here: the defaults are applied after merging (see {@link SSH_DEFAULTS},
 * {@link ROLLOUT_DEFAULTS}), so a later level can tell "not set" from "set to the default".
 */
import { z } from 'zod';
import { varNameSchema, varValueSchema } from './schema-command.js';
import { serviceNameSchema } from './schema-name.js';
import { durationSchema } from './units.js';

/** The longest `ssh.connectTimeout`: a host that needs longer is not answering. */
const MAX_CONNECT_TIMEOUT_MS = 5 * 60_000;

/** Defaults of the merged `ssh:` settings. */
export const SSH_DEFAULTS = {
  agent: true,
  knownHosts: ['~/.ssh/known_hosts'],
  connectTimeoutMs: 10_000,
  keepaliveMs: 5_000,
  keepaliveCount: 3,
  config: '~/.ssh/config',
} as const;

/** Defaults of a `rollout:` (service fields over its stage's, over these). */
export const ROLLOUT_DEFAULTS = { batch: '100%', failureBudget: 0, minHealthy: 0 } as const;

/** The default SSH port. */
export const SSH_PORT = 22;

const pathSchema = z.string().min(1, { error: 'expected a path' });

/** `ssh:` at the top level, in an environment or on a host; later levels win per field. */
export const sshSchema = z
  .strictObject({
    identityFile: pathSchema
      .optional()
      .meta({ description: 'Private key file (relative to the config folder; ~/ is $HOME).' }),
    agent: z
      .union([z.boolean(), pathSchema], { error: 'expected true, false or a socket path' })
      .optional()
      .meta({
        description:
          'Use an ssh-agent: true ($SSH_AUTH_SOCK, the default), false, or a socket path.',
      }),
    knownHosts: z
      .union([pathSchema, z.array(pathSchema).min(1)], {
        error: 'expected a path or a list of paths',
      })
      .optional()
      .meta({ description: 'known_hosts file(s); default ~/.ssh/known_hosts.' }),
    connectTimeout: durationSchema
      .refine((ms) => ms <= MAX_CONNECT_TIMEOUT_MS, { error: 'at most 5m' })
      .optional()
      .meta({ description: 'How long to wait for a connection; default 10s, at most 5m.' }),
    keepalive: durationSchema
      .refine((ms) => ms > 0, { error: 'expected a duration above 0' })
      .optional()
      .meta({ description: 'Keepalive interval; default 5s.' }),
    keepaliveCount: z.number().int().min(1).optional().meta({
      description: 'Unanswered keepalives before the connection counts as lost; default 3.',
    }),
    config: pathSchema.optional().meta({
      description:
        'OpenSSH client config to honour; default ~/.ssh/config (a missing file is fine).',
    }),
  })
  .meta({ description: 'How to connect over SSH.' });
export type SshInput = z.infer<typeof sshSchema>;

/** A role name: the same rules as a host name. */
const roleNameSchema = serviceNameSchema;

/** One host of the inventory. */
const hostSchema = z
  .strictObject({
    address: z.string().min(1).optional().meta({
      description:
        'Address to connect to and probe; default: HostName from the ssh config, or the host name.',
    }),
    port: z
      .number()
      .int()
      .min(1)
      .max(65535)
      .optional()
      .meta({ description: 'SSH port; default 22.' }),
    user: z
      .string()
      .min(1)
      .optional()
      .meta({ description: 'Login user; default: User from the ssh config, or the local user.' }),
    roles: z.array(roleNameSchema).optional(),
    vars: z.record(varNameSchema, varValueSchema).optional(),
    ssh: sshSchema.optional(),
  })
  .meta({ description: 'A host: address, port, user, roles, vars, ssh.' });
export type HostInput = z.infer<typeof hostSchema>;

/** The inventory: host name → host. */
export const hostsSchema = z.record(serviceNameSchema, hostSchema);

const PERCENT_RE = /^(\d+(?:\.\d+)?)%$/;

/** `"25%"` → 25; undefined when not a percentage. */
export function parsePercent(text: string): number | undefined {
  const m = PERCENT_RE.exec(text);
  return m ? Number(m[1]) : undefined;
}

const batchSizeSchema = z.union(
  [
    z
      .number()
      .int({ error: 'a batch size is a whole count (like 1 or 3) or a percentage like "25%"' })
      .min(1, { error: 'a batch size is at least 1' }),
    z.string().check(
      z.refine(
        (s) => {
          const p = parsePercent(s);
          return p !== undefined && p > 0 && p <= 100;
        },
        { error: 'expected a percentage above 0% and at most 100%, like "25%"' },
      ),
    ),
  ],
  { error: 'expected a batch size: a positive count or a percentage like "25%"' },
);
export type BatchSize = z.infer<typeof batchSizeSchema>;

/** `rollout:` of a service, or the default of a stage's services. */
export const rolloutSchema = z
  .strictObject({
    batch: z
      .union(
        [
          batchSizeSchema,
          z.array(batchSizeSchema).min(1, { error: 'a ramp needs at least one size' }),
        ],
        {
          error:
            'expected a batch size: a whole count of at least 1, a percentage like "25%", or a ramp list like [1, "25%", "100%"]',
        },
      )
      .optional()
      .meta({
        description:
          'Instances per batch: a count, "N%", or a ramp list (the last size repeats); default "100%".',
      }),
    failureBudget: z
      .union(
        [
          z.number().int().min(0),
          z.string().check(
            z.refine(
              (s) => {
                const p = parsePercent(s);
                return p !== undefined && p <= 100;
              },
              { error: 'expected a percentage of at most 100%, like "10%"' },
            ),
          ),
        ],
        { error: 'expected a count (0 or more) or a percentage like "10%"' },
      )
      .optional()
      .meta({
        description:
          'Failed + unknown instances allowed (exceeding it fails the service); default 0.',
      }),
    minHealthy: durationSchema.optional().meta({
      description: 'How long a batch must stay healthy before the next starts; default 0.',
    }),
  })
  .meta({ description: 'How the instances of a placed service are rolled out.' });
export type RolloutInput = z.infer<typeof rolloutSchema>;

/** `on:` — a role or host name, or a list of them. */
export const placementSchema = z
  .union(
    [
      serviceNameSchema,
      z.array(serviceNameSchema).min(1, { error: 'list at least one host or role' }),
    ],
    {
      error: 'expected a host or role name, or a list of them',
    },
  )
  .meta({ description: 'Where the service runs: a role or host name, or a list of them.' });
