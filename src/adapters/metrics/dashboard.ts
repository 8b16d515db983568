/**
 * A Grafana dashboard for stagecraft's metrics, as JSON ready for Grafana's import: an
 * `environment` variable (from the metrics, the plan's environments preselected), and panels
 * for the current release, results, durations and probe health. Every expression uses only
 * the names it is given, so the dashboard cannot drift from what the registry exports.
 */
import type { DashboardSpec } from '../../config/plan-monitoring.js';
import type { MetricNames } from './names.js';

/** The datasource placeholder Grafana's import asks the user to bind. */
const INPUT = 'DS_PROMETHEUS';

interface GridPos {
  h: number;
  w: number;
  x: number;
  y: number;
}

/** A panel's query, as Grafana stores it. */
interface Target {
  refId: string;
  expr: string;
  legendFormat: string;
  instant?: boolean;
  datasource: { type: 'prometheus'; uid: string };
}

/** The subset of a Grafana panel the dashboard uses. */
interface Panel {
  id: number;
  type: 'stat' | 'timeseries' | 'bargauge' | 'table' | 'row';
  title: string;
  gridPos: GridPos;
  datasource?: { type: 'prometheus'; uid: string };
  targets?: Target[];
  fieldConfig?: { defaults: Record<string, unknown>; overrides: unknown[] };
  options?: Record<string, unknown>;
  description?: string;
}

export interface GrafanaDashboard {
  __inputs?: Array<Record<string, string>>;
  title: string;
  uid: string;
  schemaVersion: number;
  version: number;
  editable: boolean;
  refresh: string;
  time: { from: string; to: string };
  tags: string[];
  timezone: string;
  templating: { list: Array<Record<string, unknown>> };
  annotations: { list: unknown[] };
  panels: Panel[];
}

/** A stable uid from the title (Grafana: at most 40 characters). */
function uidOf(title: string): string {
  const slug = title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
  return (slug || 'stagecraft').slice(0, 40);
}

interface PanelDraft {
  type: Panel['type'];
  title: string;
  description: string;
  w: number;
  h: number;
  queries: Array<{ expr: string; legend: string; instant?: boolean }>;
  unit?: string;
  options?: Record<string, unknown>;
}

/**
 * The dashboard for `spec`. `names` are the exported metric names; `environments` the plan's
 * (the first is the variable's default; the variable lists whatever the metrics have).
 */
export function dashboardFor(
  spec: DashboardSpec,
  names: MetricNames,
  environments: readonly string[],
): GrafanaDashboard {
  const placeholder = spec.datasource === '' || spec.datasource === `\${${INPUT}}`;
  const uid = placeholder ? `\${${INPUT}}` : spec.datasource;
  const datasource = { type: 'prometheus' as const, uid };
  const env = 'environment=~"$environment"';
  const drafts: PanelDraft[] = [
    {
      type: 'stat',
      title: 'Current release',
      description: 'The release each environment runs now (stagecraft_release_info).',
      w: 12,
      h: 4,
      queries: [
        {
          expr: `max by (environment, release) (${names.releaseInfo}{${env}})`,
          legend: '{{environment}}: {{release}}',
          instant: true,
        },
      ],
      options: { textMode: 'name', colorMode: 'none', reduceOptions: { calcs: ['lastNotNull'] } },
    },
    {
      type: 'stat',
      title: 'Released',
      description: 'When the current release was recorded.',
      w: 12,
      h: 4,
      queries: [
        {
          expr: `max by (environment) (${names.releaseTimestamp}{${env}}) * 1000`,
          legend: '{{environment}}',
          instant: true,
        },
      ],
      unit: 'dateTimeFromNow',
      options: { colorMode: 'none', reduceOptions: { calcs: ['lastNotNull'] } },
    },
    {
      type: 'bargauge',
      title: 'Deployments by result',
      description: 'Deployments finished, by result (as last pushed or scraped).',
      w: 8,
      h: 8,
      queries: [
        {
          expr: `sum by (environment, result) (${names.deployments}{${env}})`,
          legend: '{{environment}} {{result}}',
          instant: true,
        },
      ],
    },
    {
      type: 'bargauge',
      title: 'Rollbacks and watch verdicts',
      description: 'Rollbacks by result and watch windows by verdict.',
      w: 8,
      h: 8,
      queries: [
        {
          expr: `sum by (environment, result) (${names.rollbacks}{${env}})`,
          legend: '{{environment}} rollback {{result}}',
          instant: true,
        },
        {
          expr: `sum by (environment, verdict) (${names.watchVerdicts}{${env}})`,
          legend: '{{environment}} watch {{verdict}}',
          instant: true,
        },
      ],
    },
    {
      type: 'bargauge',
      title: 'Decisions',
      description: 'Decisions taken, by kind and choice.',
      w: 8,
      h: 8,
      queries: [
        {
          expr: `sum by (kind, choice) (${names.decisions}{${env}})`,
          legend: '{{kind}}: {{choice}}',
          instant: true,
        },
      ],
    },
    {
      type: 'timeseries',
      title: 'Deployment duration',
      description: 'Mean duration of the deployments in the metrics, by environment.',
      w: 12,
      h: 8,
      queries: [
        {
          expr:
            `sum by (environment) (${names.deploymentDuration}_sum{${env}}) / ` +
            `sum by (environment) (${names.deploymentDuration}_count{${env}})`,
          legend: '{{environment}}',
        },
      ],
      unit: 's',
    },
    {
      type: 'bargauge',
      title: 'Time per phase',
      description: 'Seconds spent in each phase of a run.',
      w: 12,
      h: 8,
      queries: [
        {
          expr: `sum by (phase) (${names.phaseDuration}_sum{${env}})`,
          legend: '{{phase}}',
          instant: true,
        },
      ],
      unit: 's',
    },
    {
      type: 'bargauge',
      title: 'Time per stage',
      description: 'Seconds from a stage starting to its end.',
      w: 12,
      h: 8,
      queries: [
        {
          expr: `sum by (stage, status) (${names.stageDuration}_sum{${env}})`,
          legend: '{{stage}} ({{status}})',
          instant: true,
        },
      ],
      unit: 's',
    },
    {
      type: 'bargauge',
      title: 'Service activation',
      description: "Seconds of each service's activation command.",
      w: 12,
      h: 8,
      queries: [
        {
          expr: `sum by (service) (${names.serviceActivationDuration}_sum{${env}})`,
          legend: '{{service}}',
          instant: true,
        },
      ],
      unit: 's',
    },
    {
      type: 'table',
      title: 'Probe health',
      description: 'Probes per service and result, with the 90th percentile probe duration.',
      w: 12,
      h: 8,
      queries: [
        {
          expr: `sum by (service, result) (${names.probeResults}{${env}})`,
          legend: '{{service}} {{result}}',
          instant: true,
        },
        {
          expr: `histogram_quantile(0.9, sum by (service, le) (${names.healthCheckDuration}_bucket{${env}}))`,
          legend: '{{service}} p90',
          instant: true,
        },
      ],
    },
    {
      type: 'timeseries',
      title: 'Failed probes',
      description: 'Failed probes per service over time (health checks and watch rounds).',
      w: 12,
      h: 8,
      queries: [
        {
          expr: `sum by (service) (${names.probeResults}{${env}, result="failed"})`,
          legend: '{{service}}',
        },
      ],
    },
  ];

  const panels: Panel[] = [];
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  drafts.forEach((draft, index) => {
    if (x + draft.w > 24) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    panels.push({
      id: index + 1,
      type: draft.type,
      title: draft.title,
      description: draft.description,
      gridPos: { h: draft.h, w: draft.w, x, y },
      datasource,
      targets: draft.queries.map((q, i) => ({
        refId: String.fromCharCode(65 + i),
        expr: q.expr,
        legendFormat: q.legend,
        ...(q.instant === true ? { instant: true } : {}),
        datasource,
      })),
      fieldConfig: {
        defaults: draft.unit !== undefined ? { unit: draft.unit } : {},
        overrides: [],
      },
      options: draft.options ?? {},
    });
    x += draft.w;
    rowHeight = Math.max(rowHeight, draft.h);
  });

  const first = environments[0];
  return {
    ...(placeholder
      ? {
          __inputs: [
            {
              name: INPUT,
              label: 'Prometheus',
              description: 'The Prometheus that scrapes or reads stagecraft metrics',
              type: 'datasource',
              pluginId: 'prometheus',
              pluginName: 'Prometheus',
            },
          ],
        }
      : {}),
    title: spec.title,
    uid: uidOf(spec.title),
    schemaVersion: 39,
    version: 1,
    editable: true,
    refresh: spec.refresh,
    time: { from: 'now-7d', to: 'now' },
    tags: ['stagecraft'],
    timezone: 'browser',
    templating: {
      list: [
        {
          name: 'environment',
          label: 'Environment',
          type: 'query',
          datasource,
          definition: `label_values(${names.deployments}, environment)`,
          query: {
            query: `label_values(${names.deployments}, environment)`,
            refId: 'environment',
          },
          refresh: 2,
          includeAll: true,
          allValue: '.*',
          multi: true,
          current:
            first !== undefined
              ? { selected: true, text: [first], value: [first] }
              : { selected: true, text: ['All'], value: ['$__all'] },
          options: [],
          sort: 1,
        },
      ],
    },
    annotations: { list: [] },
    panels,
  };
}
