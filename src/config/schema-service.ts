/** Services, stages and production-readiness checks. */
import { z } from 'zod';
import {
  checkSchema,
  commandSchema,
  exactlyOne,
  probeKinds,
  probeSchema,
  probeTiming,
} from './schema-command.js';
import { placementSchema, rolloutSchema } from './schema-fleet.js';
import { serviceNameSchema } from './schema-name.js';
import { durationSchema } from './units.js';

export { serviceNameSchema } from './schema-name.js';

/** The performance baseline of a service: N GETs, p95 under the limit. */
const performanceSchema = z.strictObject({
  http: z.string().min(1),
  samples: z.number().int().min(1).default(20),
  p95: durationSchema,
  timeout: durationSchema.default(2000),
});

/** A service: exactly one of `process` (long-running) or `activate` (one-shot). */
export const serviceSchema = z
  .strictObject({
    process: commandSchema.optional(),
    activate: commandSchema.optional(),
    dependsOn: z.array(serviceNameSchema).default([]),
    rollback: commandSchema.optional(),
    stop: commandSchema.optional(),
    timeout: durationSchema.default(120_000),
    health: probeSchema.optional(),
    readiness: z.array(probeSchema).default([]),
    performance: performanceSchema.optional(),
    on: placementSchema.optional(),
    rollout: rolloutSchema.optional(),
  })
  .check(exactlyOne(['activate', 'process'], 'a service'));

/** A stage of the rollout. */
export const stageSchema = z.strictObject({
  name: serviceNameSchema,
  services: z.array(serviceNameSchema).min(1, { error: 'a stage needs at least one service' }),
  parallel: z.boolean().default(true),
  confirm: z.boolean().default(false),
  timeout: durationSchema.default(600_000),
  verify: z.array(checkSchema).default([]),
  rollout: rolloutSchema.optional(),
});

/** A production-readiness check: a probe, a p95 latency (http + p95) or a file that must exist. */
export const readinessCheckSchema = z
  .strictObject({
    name: z.string().min(1),
    category: z.enum(['performance', 'security', 'operational', 'monitoring', 'documentation']),
    severity: z.enum(['critical', 'warning']).default('critical'),
    ...probeKinds,
    file: z.string().min(1).optional(),
    p95: durationSchema.optional(),
    samples: z.number().int().min(1).default(20),
    ...probeTiming,
  })
  .check(exactlyOne(['http', 'tcp', 'command', 'file'], 'a readiness check'))
  .check(
    z.refine(
      (v: unknown) => {
        if (typeof v !== 'object' || v === null) return true;
        const r = v as Record<string, unknown>;
        return r.p95 === undefined || typeof r.http === 'string';
      },
      { error: 'p95 needs http: "URL" (a plain URL)', path: ['p95'], when: () => true },
    ),
  );
