/**
 * What a run tells the world beyond its own screen and journal: Prometheus metrics (pushed to a
 * Pushgateway and written to a textfile when the run ends), Alertmanager alerts (fired when a
 * deployment fails, a rollback is incomplete or a decision waits; resolved when that clears) and
 * the `notify:` targets. The deployment statechart calls it through two named effects: `notify`
 * (started, decision-needed) and `report` (the outcome, before it is recorded).
 *
 * Nothing here fails a run: every part that could not be done is a warning naming it, returned
 * by {@link MonitoringRun.report}. Every send has a deadline; a target that hangs delays no other.
 */
import { fireAlert, resolveAlert, type StagecraftAlert } from '../adapters/metrics/alertmanager.js';
import { publishMetrics } from '../adapters/metrics/publish.js';
import { serveMetrics, type MetricsServer } from '../adapters/metrics/serve.js';
import { createDeploymentMetrics } from '../adapters/metrics/registry.js';
import { deliverAll, deliveryWarning } from '../adapters/notify/deliver.js';
import type {
  MonitoringSpec,
  NotifyEventName,
  NotifyTargetSpec,
} from '../config/plan-monitoring.js';
import type { ResolvedPlan } from '../config/plan-types.js';
import type { Masker } from '../core/mask.js';
import type { ReportOutcome, RunNotice } from '../machines/effects.js';
import type { Fact, Outcome, PendingDecision, StampedFact } from '../record/facts.js';
import type { RunRecord } from '../record/fold.js';
import { finalNotifyEvent, notifyEventOf } from '../record/notify-event.js';

/** What a run's monitoring needs to know of the run. */
export interface MonitoringInput {
  project: string;
  environment: string;
  deploymentId: string;
  monitoring?: MonitoringSpec;
  notify?: NotifyTargetSpec[];
  mask: Masker;
  /** The operator's environment: notification secrets (URLs, signing keys) are read from it. */
  env: Readonly<Record<string, string | undefined>>;
  /** Variables and secrets a `command` target runs with. */
  commandEnv?: Record<string, string>;
  /** Journals a fact of the run (each notification attempt: sent, retrying, failed). */
  record: (fact: Fact) => void;
  /** The run's record as it stands (what a notification says is built from it). */
  view: () => RunRecord | undefined;
}

/** A run's monitoring: fed every fact, told notices, asked to report the outcome. */
export interface MonitoringRun {
  observe(fact: StampedFact): void;
  notify(notice: RunNotice): void;
  report(input: { outcome: Outcome }, signal: AbortSignal): Promise<ReportOutcome>;
  /**
   * The end of a run that has no deployment result (`stagecraft watch`): stops serving /metrics,
   * waits (bounded) for what is still being sent, and returns the warnings of what failed.
   */
  settle(): Promise<string[]>;
}

/** How long the end of a run waits for what it still sends (each send has its own deadline). */
const REPORT_BOUND_MS = 15_000;

/** `api@web-1` → service api, host web-1; `api` → service api. */
function instanceLabels(name: string): { service: string; host?: string } {
  const at = name.lastIndexOf('@');
  return at < 0 ? { service: name } : { service: name.slice(0, at), host: name.slice(at + 1) };
}

/** The run's monitoring for `plan` (its project, environment, monitoring and notify parts). */
export function monitoringFor(
  plan: Pick<ResolvedPlan, 'project' | 'environment' | 'monitoring' | 'notify'>,
  run: Omit<MonitoringInput, 'project' | 'environment' | 'monitoring' | 'notify'>,
): MonitoringRun {
  return monitoringRun({
    project: plan.project,
    environment: plan.environment,
    ...(plan.monitoring === undefined ? {} : { monitoring: plan.monitoring }),
    ...(plan.notify === undefined ? {} : { notify: plan.notify }),
    ...run,
  });
}

/** Makes the run's monitoring. */
export function monitoringRun(input: MonitoringInput): MonitoringRun {
  const metrics = createDeploymentMetrics({ project: input.project });
  const { project, environment, mask } = input;
  const alerts = input.monitoring?.alerts;
  const targets = input.notify ?? [];
  /** Sends `event` to the targets that asked for it; the warnings of those that failed. */
  const tell = async (
    event: NotifyEventName,
    patch: { outcome?: Outcome; decision?: PendingDecision; reason?: string } = {},
  ): Promise<string[]> => {
    if (!targets.some((t) => t.on.includes(event))) return [];
    const base = input.view();
    if (base === undefined) return [];
    // The first notice may come before the record has folded `run.started`: who and where is known.
    const r: RunRecord = {
      ...base,
      project: input.project,
      environment: input.environment,
      deploymentId: input.deploymentId,
      ...(patch.outcome === undefined ? {} : { outcome: patch.outcome }),
      ...(patch.decision === undefined ? {} : { pendingDecision: patch.decision }),
    };
    const outcomes = await deliverAll(targets, notifyEventOf(r, event, Date.now(), patch.reason), {
      env: input.env,
      mask,
      ...(input.commandEnv === undefined ? {} : { commandEnv: input.commandEnv }),
      onAttempt: (a) =>
        input.record({
          type: 'notify.attempt',
          event,
          target: a.target,
          kind: a.kind,
          attempt: a.attempt,
          status: a.status,
          detail: a.detail,
          ...(a.retryInMs === undefined ? {} : { retryInMs: a.retryInMs }),
        }),
    });
    return outcomes.flatMap((o) => {
      const w = deliveryWarning(o);
      return w === undefined ? [] : [w];
    });
  };
  const pending = new Set<Promise<string[]>>();
  let reported = false;
  const track = (p: Promise<string[]>): void => {
    const settled = p.catch((error: unknown) => [mask.text(String(error))]);
    pending.add(settled);
    void settled.then(() => pending.delete(settled));
  };
  // Warnings of sends that finished before the end (the end collects them too).
  const earlier: string[] = [];
  const keep = (p: Promise<string[]>): void =>
    track(
      p.then((w) => {
        earlier.push(...w);
        return [];
      }),
    );

  const alert = (
    what: 'fire' | 'resolve',
    a: Omit<StagecraftAlert, 'project' | 'environment'>,
  ): Promise<string[]> => {
    if (alerts === undefined) return Promise.resolve([]);
    const full = { ...a, project, environment };
    const send = what === 'fire' ? fireAlert(alerts, full) : resolveAlert(alerts, full);
    return send.then((o) => (o.ok ? [] : [mask.text(o.detail)]));
  };
  const decisionAlert = (subject: string, question: string) =>
    ({
      alertname: 'StagecraftDecisionWaiting',
      severity: 'warning',
      summary: `${project}/${environment}: a deployment waits for a decision on ${subject}`,
      description: question,
    }) as const;
  let waiting: { subject: string; question: string } | undefined;
  /** Waits for every send still pending (at most REPORT_BOUND_MS); the warnings of all. */
  const boundedAll = async (): Promise<ReportOutcome> => {
    const all = Promise.all([...pending]).then((lists) => lists.flat());
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<string[]>((resolve) => {
      timer = setTimeout(
        () => resolve([`reporting took longer than ${REPORT_BOUND_MS / 1000} s: left unfinished`]),
        REPORT_BOUND_MS,
      );
    });
    try {
      const late = await Promise.race([all, bound]);
      return { warnings: [...new Set([...earlier, ...late])] };
    } finally {
      clearTimeout(timer);
    }
  };
  let serving: Promise<MetricsServer | undefined> | undefined;
  const stopServing = (): void => {
    const s = serving;
    serving = undefined;
    if (s !== undefined) track(s.then((server) => server?.close()).then(() => []));
  };

  return {
    observe(fact) {
      // `/metrics` is served while the watch runs (for a Prometheus to scrape), when asked for.
      const listen = input.monitoring?.metrics?.listen;
      if (fact.type === 'watch.started' && listen !== undefined && serving === undefined)
        serving = serveMetrics(metrics, listen).then((o) => {
          if (o.ok) return o.server;
          earlier.push(mask.text(o.detail));
          return undefined;
        });
      if (fact.type === 'watch.verdict') stopServing();
      // The end was observed when it was reported (the report pushes it): not twice.
      if (fact.type === 'deployment.finished' && reported) return;
      if (fact.type === 'decision.taken' && waiting !== undefined) {
        const w = waiting;
        waiting = undefined;
        keep(alert('resolve', decisionAlert(w.subject, w.question)));
      }
      metrics.observe(fact);
    },
    notify(notice) {
      switch (notice.event) {
        case 'started':
          keep(tell('started'));
          return;
        case 'decision-needed': {
          const d = notice.decision;
          waiting = { subject: d.subject, question: d.message };
          keep(alert('fire', decisionAlert(d.subject, d.message)));
          keep(tell('decision-needed', { decision: d }));
          return;
        }
        case 'watch-asks': {
          const question = `${notice.service} failed during the watch: ${notice.reason}. Roll back, or keep the release?`;
          waiting = { subject: notice.service, question };
          keep(alert('fire', decisionAlert(notice.service, question)));
          keep(tell('decision-needed', { reason: question }));
          return;
        }
        case 'watch-failed':
          keep(tell('watch-failed', { reason: `${notice.service}: ${notice.reason}` }));
          return;
        case 'watch-alert':
          keep(
            alert(notice.resolved ? 'resolve' : 'fire', {
              alertname: 'StagecraftWatchFailed',
              // An instance (`api@web-1`) is its service on its host: both are labels.
              ...instanceLabels(notice.service),
              severity: 'critical',
              summary: `${project}/${environment}: ${notice.service} failed during the watch after the deployment`,
              description: notice.reason,
            }),
          );
          return;
      }
    },
    async settle() {
      stopServing();
      return (await boundedAll()).warnings;
    },
    async report({ outcome }, signal) {
      reported = true;
      stopServing();
      metrics.observe({ type: 'deployment.finished', ...outcome, ts: Date.now() });
      const sends: Array<Promise<string[]>> = [];
      const spec = input.monitoring?.metrics;
      if (spec !== undefined)
        sends.push(
          publishMetrics(metrics, spec, environment, { signal }).then((outs) =>
            outs.filter((o) => !o.ok).map((o) => mask.text(o.detail)),
          ),
        );
      const failedAlert = {
        alertname: 'StagecraftDeploymentFailed',
        severity: 'critical',
        summary: `${project}/${environment}: the deployment ${outcome.result}`,
        description: outcome.reason ?? outcome.result,
      } as const;
      const incompleteAlert = {
        alertname: 'StagecraftRollbackIncomplete',
        severity: 'critical',
        summary: `${project}/${environment}: a rollback is incomplete; manual intervention needed`,
        description: outcome.reason ?? 'rollback incomplete',
      } as const;
      if (waiting !== undefined) {
        sends.push(alert('resolve', decisionAlert(waiting.subject, waiting.question)));
        waiting = undefined;
      }
      if (outcome.result === 'rollback-incomplete') sends.push(alert('fire', incompleteAlert));
      else if (outcome.result === 'failed' || outcome.result === 'aborted')
        sends.push(alert('fire', failedAlert));
      else {
        // A success clears what an earlier run of this environment left firing.
        sends.push(alert('resolve', failedAlert), alert('resolve', incompleteAlert));
      }
      const view = input.view();
      const event = view === undefined ? undefined : finalNotifyEvent({ ...view, outcome });
      if (event !== undefined) sends.push(tell(event, { outcome }));
      for (const s of sends) track(s);
      return boundedAll();
    },
  };
}
