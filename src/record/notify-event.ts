/**
 * A run's record → the {@link NotifyEvent} its notification targets are sent: which event a
 * finished run is (succeeded, rolled back, failed, rollback incomplete), and what went wrong where
 * (failed services and hosts; those whose state is unknown because their host was lost). Pure: the
 * runtime calls it at the moment an event happens and hands the result to the notify adapter.
 */
import type { NotifyEvent, NotifyEventName } from '../config/plan-monitoring.js';
import { own } from '../core/own.js';
import type { RunRecord, ServiceRow } from './fold.js';

const FAILED_STATES: ReadonlySet<ServiceRow['state']> = new Set([
  'failed',
  'unhealthy',
  'rollback-failed',
]);

/** The event a finished run notifies; undefined while it runs. */
export function finalNotifyEvent(r: RunRecord): NotifyEventName | undefined {
  switch (r.outcome?.result) {
    case undefined:
      return undefined;
    case 'succeeded':
    case 'succeeded-with-warnings':
      return 'succeeded';
    case 'rollback-incomplete':
      return 'rollback-incomplete';
    case 'failed':
    case 'aborted':
      return r.rollback !== undefined ? 'rolled-back' : 'failed';
  }
}

/** Services and hosts, each once, in plan order. */
function collect(rows: ServiceRow[]): { services: string[]; hosts: string[] } {
  const services = new Set<string>();
  const hosts = new Set<string>();
  for (const row of rows) {
    services.add(row.placement?.service ?? row.name);
    if (row.placement !== undefined) hosts.add(row.placement.host);
  }
  return { services: [...services], hosts: [...hosts] };
}

/**
 * The notification of `event` for run `r` at `at` (epoch ms). `reason` overrides the record's
 * (a failed watch says why itself); a pending decision becomes the question.
 */
export function notifyEventOf(
  r: RunRecord,
  event: NotifyEventName,
  at: number,
  reason?: string,
): NotifyEvent {
  const rows = r.serviceOrder
    .map((name) => own(r.services, name))
    .filter((row): row is ServiceRow => row !== undefined);
  const lostRow = (row: ServiceRow): boolean =>
    row.failure?.kind === 'command' && row.failure.lost === true;
  const unknown = collect(rows.filter(lostRow));
  for (const name of r.lost) if (!unknown.services.includes(name)) unknown.services.push(name);
  const e: NotifyEvent = {
    event,
    project: r.project,
    environment: r.environment,
    failed: collect(rows.filter((row) => FAILED_STATES.has(row.state) && !lostRow(row))),
    unknown,
    at: new Date(at).toISOString(),
  };
  if (r.deploymentId !== '') e.deploymentId = r.deploymentId;
  const release = r.release ?? r.target?.release;
  if (release !== undefined) e.release = release;
  if (r.outcome !== undefined) e.result = r.outcome.result;
  const why = reason ?? r.outcome?.reason ?? r.rollback?.reason;
  if (why !== undefined && why !== '') e.reason = why;
  if (event === 'decision-needed' && r.pendingDecision !== undefined) {
    e.decision = { question: r.pendingDecision.message, choices: [...r.pendingDecision.choices] };
    e.reason ??= r.pendingDecision.message;
  }
  if (r.by !== '') e.actor = r.by;
  return e;
}
