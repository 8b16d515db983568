/**
 * `monitoring:` (the watch before the release is recorded, Prometheus metrics, Alertmanager alerts, the Grafana
 * dashboard) and `notify:` (where people are told). `monitoring:` merges top level < environment
 * chain, per field, so its fields carry no defaults here: they are applied after merging (see
 * {@link MONITORING_DEFAULTS}). A `notify:` list is replaced whole by an environment's, so its
 * targets carry their defaults in the schema.
 */
import { z } from 'zod';
import { DEFAULT_NOTIFY_ON, DEFAULT_SIGNATURE_HEADER, notifyEvents } from './plan-monitoring.js';
import { commandSchema, exactlyOne, varNameSchema, varValueSchema } from './schema-command.js';
import { serviceNameSchema } from './schema-name.js';
import { durationSchema } from './units.js';

/** Defaults of the merged `monitoring:` settings. */
export const MONITORING_DEFAULTS = {
  onWatchFailure: 'rollback',
  watchIntervalMs: 5000,
  job: 'stagecraft',
  datasource: '${DS_PROMETHEUS}',
  refresh: '30s',
} as const;

/** The shortest watch interval: a faster probe loop would load the services it watches. */
const MIN_WATCH_INTERVAL_MS = 100;

/** At most this many extra alert labels: every alert carries them all. */
const MAX_ALERT_LABELS = 32;

const pathSchema = z.string().min(1, { error: 'expected a path' });
const urlText = z.string().min(1, { error: 'expected a URL' });

const metricsSchema = z
  .strictObject({
    pushgateway: urlText
      .optional()
      .meta({ description: 'Pushgateway base URL: the run metrics are pushed once at the end.' }),
    textfile: pathSchema
      .check(
        z.refine((p) => p.endsWith('.prom'), {
          error: 'expected a file name ending in .prom (node_exporter reads only those)',
        }),
      )
      .optional()
      .meta({ description: 'node_exporter textfile collector file (*.prom), written atomically.' }),
    listen: z
      .string()
      .min(1, { error: 'expected "host:port"' })
      .optional()
      .meta({ description: 'Serve /metrics on "host:port" during a watch.' }),
    job: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+$/, { error: 'expected letters, digits, ".", "_" or "-"' })
      .optional()
      .meta({ description: 'The Pushgateway job label; default "stagecraft".' }),
  })
  .meta({ description: 'Prometheus metrics of the deployment.' });

/** A Prometheus label name (the `__` prefix is reserved for Prometheus itself). */
const labelNameSchema = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, {
    error: 'expected a label name (letters, digits, _; not starting with a digit)',
  })
  .check(z.refine((n) => !n.startsWith('__'), { error: 'names starting with "__" are reserved' }));

const alertsSchema = z
  .strictObject({
    alertmanager: urlText
      .optional()
      .meta({ description: 'Alertmanager base URL (alerts go to <url>/api/v2/alerts); required.' }),
    labels: z
      .record(labelNameSchema, varValueSchema)
      .check(
        z.refine((l) => Object.keys(l).length <= MAX_ALERT_LABELS, {
          error: `at most ${MAX_ALERT_LABELS} labels`,
        }),
      )
      .optional()
      .meta({ description: 'Extra labels on every alert (merged per label over the levels).' }),
  })
  .meta({ description: 'Alerts posted to Alertmanager when a deployment or its watch fails.' });

const dashboardSchema = z
  .strictObject({
    title: z
      .string()
      .min(1)
      .optional()
      .meta({ description: 'Dashboard title; default "stagecraft · <project>".' }),
    datasource: z.string().min(1).optional().meta({
      description: 'Prometheus datasource uid or name; default the ${DS_PROMETHEUS} import input.',
    }),
    refresh: z
      .string()
      .regex(/^\d+(s|m|h|d)$/, { error: 'expected a Grafana refresh interval like 30s, 1m or 1h' })
      .optional()
      .meta({ description: 'Refresh interval; default "30s".' }),
    file: pathSchema.optional().meta({
      description: 'Where `stagecraft dashboard` writes (relative to the config folder).',
    }),
  })
  .meta({ description: 'The Grafana dashboard `stagecraft dashboard` generates.' });

/** `monitoring:` at the top level or in an environment; later levels win per field. */
export const monitoringSchema = z
  .strictObject({
    watch: durationSchema.optional().meta({
      description:
        'Keep probing every service this long after verification, before the release is recorded (0: no watch).',
    }),
    onWatchFailure: z
      .enum(['rollback', 'ask', 'alert'])
      .optional()
      .meta({ description: 'What a service failing during the watch does; default rollback.' }),
    watchInterval: durationSchema
      .refine((ms) => ms >= MIN_WATCH_INTERVAL_MS, {
        error: `expected at least ${MIN_WATCH_INTERVAL_MS}ms`,
      })
      .optional()
      .meta({ description: 'Between two probe rounds of the watch; default 5s.' }),
    metrics: metricsSchema.optional(),
    alerts: alertsSchema.optional(),
    dashboard: dashboardSchema.optional(),
  })
  .meta({ description: 'Watching, measuring and alerting after a deployment.' });
export type MonitoringInput = z.infer<typeof monitoringSchema>;

/** A chat or webhook URL: written in the config, or the name of a secret holding it. */
const urlOrSecretSchema = z.union(
  [urlText, z.strictObject({ secret: varNameSchema }).meta({ description: 'A secret by name.' })],
  { error: 'expected a URL or { secret: NAME } (a name listed in secrets)' },
);
export type UrlOrSecretInput = z.infer<typeof urlOrSecretSchema>;

/** The target kinds; exactly one must be set. */
export const NOTIFY_KINDS = ['slack', 'teams', 'discord', 'webhook', 'command'] as const;

/** The longest wait per attempt: a notification that needs longer is not coming. */
const MAX_NOTIFY_TIMEOUT_MS = 5 * 60_000;
const MAX_NOTIFY_RETRIES = 10;

const headerNameSchema = z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, {
  error: 'expected an HTTP header name',
});

/** One `notify:` target. */
const notifyTargetSchema = z
  .strictObject({
    name: serviceNameSchema
      .optional()
      .meta({ description: 'How warnings and the journal name it; default notify[<index>].' }),
    slack: urlOrSecretSchema.optional().meta({ description: 'Slack incoming webhook URL.' }),
    teams: urlOrSecretSchema
      .optional()
      .meta({ description: 'Teams Workflows "when a webhook request is received" URL.' }),
    discord: urlOrSecretSchema
      .optional()
      .meta({ description: 'Discord webhook URL (sent to its Slack-compatible /slack endpoint).' }),
    webhook: urlOrSecretSchema
      .optional()
      .meta({ description: 'Any URL: the event as JSON, signed with signingSecret.' }),
    command: commandSchema
      .optional()
      .meta({ description: 'A command that gets the event as JSON on stdin.' }),
    on: z
      .array(z.enum(notifyEvents))
      .min(1, { error: 'list at least one event' })
      .default([...DEFAULT_NOTIFY_ON])
      .meta({ description: 'Events sent to this target; default all but started.' }),
    timeout: durationSchema
      .refine((ms) => ms > 0 && ms <= MAX_NOTIFY_TIMEOUT_MS, {
        error: 'expected a duration above 0 and at most 5m',
      })
      .default(10_000)
      .meta({ description: 'Per attempt; default 10s.' }),
    retries: z
      .number()
      .int()
      .min(0)
      .max(MAX_NOTIFY_RETRIES)
      .default(2)
      .meta({ description: 'Attempts after the first on 429, 5xx, timeouts; default 2.' }),
    signingSecret: varNameSchema.optional().meta({
      description: 'webhook only: the secret whose value is the HMAC-SHA256 key of the signature.',
    }),
    signatureHeader: headerNameSchema.optional().meta({
      description: `webhook only: the signature header; default ${DEFAULT_SIGNATURE_HEADER}.`,
    }),
  })
  .check(exactlyOne(NOTIFY_KINDS, 'a notify target'))
  .check(
    z.refine(
      (t: unknown) => {
        if (typeof t !== 'object' || t === null) return true;
        const r = t as Record<string, unknown>;
        return (
          r.webhook !== undefined ||
          (r.signingSecret === undefined && r.signatureHeader === undefined)
        );
      },
      { error: 'signingSecret and signatureHeader belong to a webhook target', when: () => true },
    ),
  )
  .meta({
    description: 'A notification target: exactly one of slack, teams, discord, webhook, command.',
  });
export type NotifyTargetInput = z.infer<typeof notifyTargetSchema>;

/** `notify:` at the top level or in an environment (an environment's replaces the list). */
export const notifySchema = z
  .array(notifyTargetSchema)
  .meta({ description: 'Who is told about deployments, and of which events.' });
