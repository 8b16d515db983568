/**
 * Turns successive views of a deployment into a stream of events: the line reporter prints them,
 * the JSON reporter serialises them. Pure: both reporters read the deployment only through
 * selectView, and this diff is the one place that decides what "changed" means.
 */
import type {
  DecisionRecord,
  DeploymentOutput,
  DeploymentView,
  PendingDecision,
  Phase,
  ProbeView,
  ServiceView,
  StageView,
} from './view-types.js';

/** One thing that happened, as seen from the view. */
export type ViewEvent =
  | { type: 'deployment.started'; deploymentId: string; project: string; environment: string }
  | { type: 'phase'; phase: Phase }
  | { type: 'stage.status'; stage: string; status: StageView['status']; durationMs?: number }
  | {
      type: 'service.state';
      service: string;
      stage: string;
      state: ServiceView['state'];
      attempt: number;
      maxAttempts: number;
      verdict?: string;
      reason?: string;
    }
  | ({ type: 'health.attempt'; service: string } & ProbeView)
  | { type: 'decision.requested'; decision: PendingDecision }
  | ({ type: 'decision.taken' } & DecisionRecord)
  | { type: 'warning'; message: string }
  | ({ type: 'deployment.finished' } & DeploymentOutput);

const sameProbe = (a: ProbeView | undefined, b: ProbeView | undefined): boolean =>
  a === b ||
  (a !== undefined &&
    b !== undefined &&
    a.attempt === b.attempt &&
    a.probe === b.probe &&
    a.ok === b.ok &&
    a.detail === b.detail);

function serviceEvents(prev: ServiceView | undefined, next: ServiceView): ViewEvent[] {
  const out: ViewEvent[] = [];
  if (next.lastProbe !== undefined && !sameProbe(prev?.lastProbe, next.lastProbe)) {
    out.push({ type: 'health.attempt', service: next.name, ...next.lastProbe });
  }
  if (prev?.state !== next.state || prev.attempt !== next.attempt) {
    out.push({
      type: 'service.state',
      service: next.name,
      stage: next.stage,
      state: next.state,
      attempt: next.attempt,
      maxAttempts: next.maxAttempts,
      ...(next.verdict === undefined ? {} : { verdict: next.verdict }),
      ...(next.reason === undefined ? {} : { reason: next.reason }),
    });
  }
  return out;
}

/**
 * The events between two views (`prev` undefined for the first one). `decisions` are the records
 * taken so far; those beyond `prevDecisions` are reported as taken.
 */
export function diffViews(
  prev: DeploymentView | undefined,
  next: DeploymentView,
  decisions: readonly DecisionRecord[] = [],
  prevDecisions = 0,
): ViewEvent[] {
  const out: ViewEvent[] = [];
  if (prev === undefined) {
    out.push({
      type: 'deployment.started',
      deploymentId: next.deploymentId,
      project: next.project,
      environment: next.environment,
    });
  }
  for (const d of decisions.slice(prevDecisions)) out.push({ type: 'decision.taken', ...d });
  if (prev?.phase !== next.phase && next.phase !== 'awaiting-decision' && next.phase !== 'done') {
    out.push({ type: 'phase', phase: next.phase });
  }
  // Within one diff: stages that began, then services, then stages that ended, so a stage's
  // verdict is never printed before the service rows that led to it.
  const prevStages = new Map(prev?.stages.map((s) => [s.name, s]));
  const stageEvents = next.stages.flatMap((s): ViewEvent[] => {
    const p = prevStages.get(s.name);
    if (p?.status === s.status || (p === undefined && s.status === 'pending')) return [];
    const durationMs =
      s.startedAt !== undefined && s.finishedAt !== undefined
        ? s.finishedAt - s.startedAt
        : undefined;
    return [
      {
        type: 'stage.status',
        stage: s.name,
        status: s.status,
        ...(durationMs === undefined ? {} : { durationMs }),
      },
    ];
  });
  const ended = (e: ViewEvent): boolean =>
    e.type === 'stage.status' &&
    (e.status === 'succeeded' || e.status === 'failed' || e.status === 'skipped');
  out.push(...stageEvents.filter((e) => !ended(e)));
  const prevServices = new Map(prev?.services.map((s) => [s.name, s]));
  for (const s of next.services) {
    const p = prevServices.get(s.name);
    if (p === undefined && s.state === 'pending') continue;
    out.push(...serviceEvents(p, s));
  }
  out.push(...stageEvents.filter(ended));
  const seen = new Set(prev?.warnings);
  for (const w of next.warnings) if (!seen.has(w)) out.push({ type: 'warning', message: w });
  if (next.pendingDecision !== undefined && next.pendingDecision.id !== prev?.pendingDecision?.id) {
    out.push({ type: 'decision.requested', decision: next.pendingDecision });
  }
  if (next.result !== undefined && prev?.result === undefined) {
    out.push({ type: 'deployment.finished', ...next.result });
  }
  return out;
}
