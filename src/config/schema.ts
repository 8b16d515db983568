/**
 * The config schema: one zod 4 schema, strict objects, defaults in the schema,
 * durations in ms and sizes in bytes. Cross-field rules (graph, environments) are a second pass:
 * see validate.ts.
 */
import { createRequire } from 'node:module';
import type * as SemverLib from 'semver';
import { z } from 'zod';
import {
  checkSchema,
  commandSchema,
  exactlyOne,
  varNameSchema,
  varValueSchema,
} from './schema-command.js';
import { hostsSchema, sshSchema } from './schema-fleet.js';
import { monitoringSchema, notifySchema } from './schema-monitoring.js';
import {
  readinessCheckSchema,
  serviceNameSchema,
  serviceSchema,
  stageSchema,
} from './schema-service.js';
import { durationSchema, sizeSchema } from './units.js';

const semverLib = (): typeof SemverLib =>
  createRequire(import.meta.url)('semver') as typeof SemverLib;

const varsSchema = z.record(varNameSchema, varValueSchema).default({});

const environmentSchema = z.strictObject({
  vars: varsSchema,
  extends: serviceNameSchema.optional(),
  confirm: z.union([z.literal('stages'), z.boolean()]).optional(),
  hosts: hostsSchema.optional(),
  ssh: sshSchema.optional(),
  monitoring: monitoringSchema.optional(),
  notify: notifySchema.optional(),
});

const networkCheckSchema = z
  .strictObject({
    tcp: z.string().min(1).optional(),
    http: z.string().min(1).optional(),
    timeout: durationSchema.default(2000),
  })
  .check(exactlyOne(['tcp', 'http'], 'a network prerequisite'));

const prerequisitesSchema = z.strictObject({
  hardware: z
    .strictObject({
      cpus: z.number().int().min(1).optional(),
      memory: sizeSchema.optional(),
      disk: z.array(z.strictObject({ path: z.string().min(1), free: sizeSchema })).default([]),
    })
    .optional(),
  software: z
    .array(
      z.strictObject({
        name: z.string().min(1),
        command: commandSchema,
        version: z
          .string()
          .check(
            // semver is loaded only when a software prerequisite names a version range.
            z.refine((r) => semverLib().validRange(r) !== null, {
              error: 'expected a semver range like ">=7.0"',
            }),
          )
          .optional(),
      }),
    )
    .default([]),
  network: z.array(networkCheckSchema).default([]),
  security: z
    .strictObject({
      secrets: z.array(varNameSchema).default([]),
      files: z
        .array(
          z.strictObject({
            path: z.string().min(1),
            mode: z.string().regex(/^0?[0-7]{3}$/, { error: 'expected an octal mode like "0600"' }),
          }),
        )
        .default([]),
    })
    .prefault({}),
});

const ruleSchema = z.strictObject({
  type: z.enum(['port', 'int', 'url', 'string']).optional(),
  min: z.number().optional(),
  max: z.number().optional(),
  enum: z.array(varValueSchema).min(1).optional(),
  pattern: z
    .string()
    .check(
      z.refine(
        (p) => {
          try {
            new RegExp(p);
            return true;
          } catch {
            return false;
          }
        },
        { error: 'pattern is not a valid regular expression' },
      ),
    )
    .optional(),
  required: z.boolean().default(false),
});
export type RuleInput = z.infer<typeof ruleSchema>;

/** The whole config file. */
export const configSchema = z
  .strictObject({
    $schema: z.string().optional(),
    name: z.string().min(1).optional(),
    vars: varsSchema,
    secrets: z.array(varNameSchema).default([]),
    environments: z.record(serviceNameSchema, environmentSchema).optional(),
    hosts: hostsSchema.optional(),
    ssh: sshSchema.optional(),
    prerequisites: prerequisitesSchema.prefault({}),
    config: z
      .strictObject({
        files: z.array(z.string().min(1)).default([]),
        rules: z.record(varNameSchema, ruleSchema).default({}),
      })
      .prefault({}),
    prepare: z
      .array(
        z.strictObject({
          name: serviceNameSchema,
          run: commandSchema,
          cleanup: commandSchema.optional(),
        }),
      )
      .default([]),
    services: z.record(serviceNameSchema, serviceSchema).default({}),
    stages: z.array(stageSchema).optional(),
    integration: z.array(checkSchema).default([]),
    readiness: z.array(readinessCheckSchema).default([]),
    policy: z
      .strictObject({
        onFailure: z.enum(['ask', 'rollback', 'rollback-failed', 'abort']).default('ask'),
        degraded: z.enum(['continue', 'ask', 'fail']).default('continue'),
        retries: z.number().int().min(0).default(0),
        decisionTimeout: durationSchema.default(900_000),
      })
      .prefault({}),
    monitoring: monitoringSchema.optional(),
    notify: notifySchema.optional(),
    state: z
      .strictObject({
        url: z
          .string()
          .regex(/^postgres(ql)?:\/\//, 'a postgres:// or postgresql:// URL')
          .meta({
            description:
              'The team store: a PostgreSQL database holding the lock, history, journal and releases of every environment (STAGECRAFT_STATE_URL in the environment overrides it; keep a password there rather than here).',
          }),
      })
      .optional(),
  })
  .meta({ title: 'stagecraft config', description: 'A stagecraft deployment.' });

/** The validated config, defaults applied, durations in ms and sizes in bytes. */
export type Config = z.infer<typeof configSchema>;
