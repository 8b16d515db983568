/**
 * `monitoring:` and `notify:` → the plan's {@link MonitoringSpec} and {@link NotifyTargetSpec}s
 * for one environment, and the checks that hold for every environment (secrets a target names
 * are declared, target names are unique).
 */
import type { ConfigIssue } from './errors.js';
import { didYouMean } from './did-you-mean.js';
import { issueAt } from './issues.js';
import type { IssueContext } from './issues.js';
import type { Normalizer } from './normalize.js';
import { DEFAULT_SIGNATURE_HEADER, notifyEvents } from './plan-monitoring.js';
import type {
  AlertsSpec,
  DashboardSpec,
  MetricsSpec,
  MonitoringSpec,
  NotifyTargetSpec,
  SecretOr,
  WatchFailurePolicy,
} from './plan-monitoring.js';
import { MONITORING_DEFAULTS, NOTIFY_KINDS } from './schema-monitoring.js';
import type { MonitoringInput, NotifyTargetInput, UrlOrSecretInput } from './schema-monitoring.js';
import type { Config } from './schema.js';

type At = PropertyKey[];

/** What the top level and an environment may both give. */
type Level = Pick<Config, 'monitoring' | 'notify'>;

/** The levels a setting is given at, lowest first: the top level, then the chain's. */
function levels<T>(
  config: Config,
  chain: string[],
  key: 'monitoring' | 'notify',
  pick: (level: Level) => T | undefined,
): Array<{ at: At; value: T }> {
  const out: Array<{ at: At; value: T }> = [];
  const top = pick(config);
  if (top !== undefined) out.push({ at: [key], value: top });
  for (const env of chain) {
    const def = config.environments?.[env];
    const value = def === undefined ? undefined : pick(def);
    if (value !== undefined) out.push({ at: ['environments', env, key], value });
  }
  return out;
}

/** A merged value and the config path it was last set at. */
interface Given<T> {
  value: T;
  at: At;
}

/** `target` with each field of `source` that is set, remembering where. */
function mergeFields(
  target: Record<string, Given<unknown>>,
  source: Record<string, unknown> | undefined,
  at: At,
): void {
  for (const [k, v] of Object.entries(source ?? {}))
    if (v !== undefined) target[k] = { value: v, at: [...at, k] };
}

/**
 * The monitoring of the environment whose `extends` chain is `chain`: top level < chain, per
 * field (`alerts.labels` per label), then the defaults. Undefined when no level has `monitoring:`.
 */
export function buildMonitoring(
  config: Config,
  chain: string[],
  project: string,
  n: Normalizer,
  ctx: IssueContext,
): { spec?: MonitoringSpec; issues: ConfigIssue[] } {
  const given = levels(config, chain, 'monitoring', (l) => l.monitoring);
  if (given.length === 0) return { issues: [] };
  const issues: ConfigIssue[] = [];
  const top: Record<string, Given<unknown>> = {};
  const parts = { metrics: {}, alerts: {}, dashboard: {} } as Record<
    'metrics' | 'alerts' | 'dashboard',
    Record<string, Given<unknown>>
  >;
  const seen = new Map<'metrics' | 'alerts' | 'dashboard', At>();
  const labels: Record<string, string> = {};
  for (const { at, value } of given) {
    const { metrics, alerts, dashboard, ...scalars } = value;
    mergeFields(top, scalars, at);
    for (const [part, v] of [
      ['metrics', metrics],
      ['alerts', alerts],
      ['dashboard', dashboard],
    ] as const) {
      if (v === undefined) continue;
      seen.set(part, [...at, part]);
      const { labels: own, ...rest } = v as NonNullable<MonitoringInput['alerts']>;
      mergeFields(parts[part], rest, [...at, part]);
      if (own !== undefined) Object.assign(labels, own);
    }
  }
  const field = <T>(map: Record<string, Given<unknown>>, key: string): Given<T> | undefined =>
    map[key] as Given<T> | undefined;
  /**
   * A URL, path or address that is empty once its variables are interpolated turns its part off
   * (`pushgateway: ${PUSHGATEWAY}` with `--var PUSHGATEWAY=`): undefined then.
   */
  const present = (g: Given<string> | undefined): Given<string> | undefined =>
    g === undefined || n.isEmpty(g.value) ? undefined : g;

  const spec: MonitoringSpec = {
    onWatchFailure:
      field<WatchFailurePolicy>(top, 'onWatchFailure')?.value ?? MONITORING_DEFAULTS.onWatchFailure,
    watchIntervalMs:
      field<number>(top, 'watchInterval')?.value ?? MONITORING_DEFAULTS.watchIntervalMs,
  };
  const watch = field<number>(top, 'watch')?.value;
  if (watch !== undefined && watch > 0) spec.watchMs = watch;

  if (seen.has('metrics')) {
    const m = parts.metrics;
    const metrics: MetricsSpec = { job: field<string>(m, 'job')?.value ?? MONITORING_DEFAULTS.job };
    const push = present(field<string>(m, 'pushgateway'));
    if (push) metrics.pushgateway = n.url(push.value, push.at);
    const textfile = present(field<string>(m, 'textfile'));
    if (textfile) metrics.textfile = n.path(textfile.value, textfile.at);
    const listen = present(field<string>(m, 'listen'));
    if (listen) metrics.listen = n.tcp(listen.value, listen.at);
    spec.metrics = metrics;
  }
  const alertsAt = seen.get('alerts');
  if (alertsAt !== undefined) {
    const written = field<string>(parts.alerts, 'alertmanager');
    const url = present(written);
    if (written !== undefined && url === undefined) {
      // Empty once interpolated (`alertmanager: ${ALERTMANAGER}`, the variable empty): off.
    } else if (url === undefined) {
      issues.push(
        issueAt(
          ctx,
          alertsAt,
          'monitoring.alerts needs alertmanager: the base URL of the Alertmanager to post to',
        ),
      );
    } else {
      const alerts: AlertsSpec = { alertmanager: n.url(url.value, url.at), labels };
      spec.alerts = alerts;
    }
  }
  if (seen.has('dashboard')) {
    const d = parts.dashboard;
    const dashboard: DashboardSpec = {
      title: field<string>(d, 'title')?.value ?? `stagecraft · ${project}`,
      datasource: field<string>(d, 'datasource')?.value ?? MONITORING_DEFAULTS.datasource,
      refresh: field<string>(d, 'refresh')?.value ?? MONITORING_DEFAULTS.refresh,
    };
    const file = field<string>(d, 'file');
    if (file) dashboard.file = n.path(file.value, file.at);
    spec.dashboard = dashboard;
  }
  return { spec, issues };
}

/** The kind of a target that passed the schema (exactly one is set). */
function kindOf(t: NotifyTargetInput): (typeof NOTIFY_KINDS)[number] {
  return NOTIFY_KINDS.find((k) => t[k] !== undefined) ?? 'command';
}

/**
 * The notification targets of the environment whose chain is `chain`: the `notify:` of the
 * nearest level that has one (an environment's replaces the top level's). Empty when none has.
 */
export function buildNotify(config: Config, chain: string[], n: Normalizer): NotifyTargetSpec[] {
  const nearest = levels(config, chain, 'notify', (l) => l.notify).at(-1);
  if (nearest === undefined) return [];
  return nearest.value.map((t, i) => {
    const at: At = [...nearest.at, i];
    const base = {
      name: t.name ?? `notify[${i}]`,
      on: notifyEvents.filter((e) => t.on.includes(e)),
      timeoutMs: t.timeout,
      retries: t.retries,
    };
    const kind = kindOf(t);
    if (kind === 'command') return { ...base, kind, command: n.command(t.command!, [...at, kind]) };
    const url = urlOf(t[kind]!, [...at, kind], n);
    if (kind !== 'webhook') return { ...base, kind, url };
    return {
      ...base,
      kind,
      url,
      signatureHeader: t.signatureHeader ?? DEFAULT_SIGNATURE_HEADER,
      ...(t.signingSecret !== undefined ? { signingSecret: t.signingSecret } : {}),
    };
  });
}

function urlOf(input: UrlOrSecretInput, at: At, n: Normalizer): SecretOr {
  return typeof input === 'string' ? { value: n.url(input, at) } : { secret: input.secret };
}

/**
 * Every `notify:` list, top level and environments: a secret a target names must be declared in
 * `secrets` (its value is read from the operator's environment like every secret's), and no two
 * targets of a list share a name.
 */
export function checkNotify(config: Config, ctx: IssueContext): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const secrets = new Set(config.secrets);
  const lists: Array<[At, NotifyTargetInput[]]> = [];
  if (config.notify !== undefined) lists.push([['notify'], config.notify]);
  for (const [env, def] of Object.entries(config.environments ?? {}))
    if (def.notify !== undefined) lists.push([['environments', env, 'notify'], def.notify]);
  const declared = (name: string, at: At): void => {
    if (secrets.has(name)) return;
    issues.push(
      issueAt(
        ctx,
        at,
        `"${name}" is not declared in secrets`,
        didYouMean(name, secrets) ?? 'add it to secrets (its value is read from the environment)',
      ),
    );
  };
  for (const [listAt, list] of lists) {
    const names = new Set<string>();
    list.forEach((t, i) => {
      const at = [...listAt, i];
      const kind = kindOf(t);
      const url = kind === 'command' ? undefined : t[kind];
      if (url !== undefined && typeof url !== 'string')
        declared(url.secret, [...at, kind, 'secret']);
      if (t.signingSecret !== undefined) declared(t.signingSecret, [...at, 'signingSecret']);
      if (t.name === undefined) return;
      if (names.has(t.name))
        issues.push(issueAt(ctx, [...at, 'name'], `two notify targets are named "${t.name}"`));
      names.add(t.name);
    });
  }
  return issues;
}
