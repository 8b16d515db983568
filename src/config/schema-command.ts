/** Commands and probes: the building blocks of services, stages and checks. */
import { z } from 'zod';
import { durationSchema } from './units.js';

/** A variable or secret name: what a shell accepts as an environment variable. */
export const varNameSchema = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, {
  error: 'expected a variable name (letters, digits, _; not starting with a digit)',
});

/** A scalar variable value; numbers and booleans become strings. */
export const varValueSchema = z
  .union([z.string(), z.number(), z.boolean()], { error: 'expected a string, number or boolean' })
  .transform(String);

const argv = z.array(z.string()).min(1, { error: 'an argv command needs at least the program' });
const shell = z.string().min(1, { error: 'a command cannot be empty' });

/** A command: a string runs through `sh -c`, an array as argv, or `{ run, cwd, env, timeout }`. */
export const commandSchema = z.union(
  [
    shell,
    argv,
    z.strictObject({
      run: z.union([shell, argv]),
      cwd: z.string().optional(),
      env: z.record(varNameSchema, varValueSchema).optional(),
      timeout: durationSchema.optional(),
    }),
  ],
  { error: 'expected a command: a string, an array of arguments, or { run, cwd, env, timeout }' },
);
export type CommandInput = z.infer<typeof commandSchema>;

const statusItem = z.union([z.number().int().min(100).max(599), z.string().regex(/^[1-5]xx$/)], {
  error: 'expected an HTTP status code (200) or class ("2xx")',
});

/** An HTTP check: a URL, or `{ url, method, status, body, headers }`. */
const httpSchema = z.union(
  [
    z.string().min(1),
    z.strictObject({
      url: z.string().min(1),
      method: z
        .string()
        .regex(/^[A-Za-z]+$/)
        .default('GET'),
      status: z.union([statusItem, z.array(statusItem).min(1)]).optional(),
      body: z
        .string()
        .check(
          z.refine((b) => regexOrNull(b) !== null, {
            error: 'body /regex/ is not a valid regular expression',
          }),
        )
        .optional(),
      headers: z.record(z.string(), z.string()).default({}),
    }),
  ],
  { error: 'expected a URL or { url, method, status, body, headers }' },
);
export type HttpInput = z.infer<typeof httpSchema>;

/** `/re/flags` → RegExp; a plain substring → undefined; an invalid regex → null. */
function regexOrNull(body: string): RegExp | undefined | null {
  const m = /^\/(.*)\/([dgimsuy]*)$/s.exec(body);
  if (!m) return undefined;
  try {
    return new RegExp(m[1]!, m[2]);
  } catch {
    return null;
  }
}

/** Probe timing fields with their defaults. */
export const probeTiming = {
  interval: durationSchema.default(1000),
  timeout: durationSchema.default(2000),
  retries: z.number().int().min(0).default(3),
  successThreshold: z.number().int().min(1).default(1),
  startPeriod: durationSchema.default(0),
};

/** The probe kinds; exactly one must be set. */
export const probeKinds = {
  http: httpSchema.optional(),
  tcp: z.string().min(1, { error: 'expected "host:port"' }).optional(),
  command: commandSchema.optional(),
};

/** A refinement that exactly one of `keys` is set; robust to malformed objects. */
export function exactlyOne(keys: readonly string[], what: string) {
  return z.refine(
    (v: unknown) => {
      if (typeof v !== 'object' || v === null) return true;
      const set = keys.filter((k) => (v as Record<string, unknown>)[k] !== undefined);
      return set.length === 1;
    },
    { error: `${what} needs exactly one of ${keys.join(', ')}`, when: () => true },
  );
}

/** A health or readiness probe. */
export const probeSchema = z
  .strictObject({ ...probeKinds, ...probeTiming })
  .check(exactlyOne(['http', 'tcp', 'command'], 'a probe'));
export type ProbeInputConfig = z.infer<typeof probeSchema>;

/** A named check (stage `verify`, `integration`): a probe with an optional name. */
export const checkSchema = z
  .strictObject({ name: z.string().min(1).optional(), ...probeKinds, ...probeTiming })
  .check(exactlyOne(['http', 'tcp', 'command'], 'a check'));
export type CheckInput = z.infer<typeof checkSchema>;
