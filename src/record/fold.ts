/**
 * The one fold over deployment facts: every consumer of a run — the live terminal UI, the line
 * and JSON reporters' context, `show`'s timeline, `resume`'s plan — reads the same
 * {@link RunRecord}, built fact by fact by {@link applyFact}. Deterministic and free of I/O: the
 * record of a journal is `foldFacts(entries)`, whoever folds it. For speed the record is updated
 * in place (a 500-service deployment records thousands of facts); {@link RunRecord.version}
 * tells a reader that something changed.
 */
import { dataRecord, own } from '../core/own.js';
import type { Failure } from './failures.js';
import type {
  DecisionRecord,
  Fact,
  Outcome,
  PendingDecision,
  Phase,
  PlanOutline,
  PreviousRelease,
  ProcessFacts,
  ResumeSummary,
  RunKind,
  ServiceState,
  StageStatus,
  StampedFact,
  Verdict,
  WatchVerdict,
} from './facts.js';

/** The latest health attempt of a service. */
export interface ProbeRow {
  probe: string;
  attempt: number;
  of: number;
  ok: boolean;
  detail: string;
  durationMs: number;
}

/** One service, as the record knows it. */
export interface ServiceRow {
  name: string;
  kind: 'activate' | 'process';
  stage: string;
  /** Its display group (the stage, or the dependency layer of an implicit plan). */
  group: string;
  state: ServiceState;
  attempt: number;
  maxAttempts: number;
  startedAt?: number;
  finishedAt?: number;
  lastProbe?: ProbeRow;
  verdict?: Verdict;
  reason?: string;
  /** What failed, as data, when the state is a failure (`reason` is its wording). */
  failure?: Failure;
  /** An instance of a placed service: the service, its host and the batch it was released in. */
  placement?: { service: string; host: string; batch?: number; of?: number };
  /** Every state it went through, in order, with when. */
  steps: Array<{ state: ServiceState; at: number }>;
  /** Its last successful activation (an observation: the command exited 0). */
  activated?: { attempt: number; at: number; durationMs: number };
  /** The process instance it started, when it is a `process` service. */
  process?: ProcessFacts;
  /** Since its last `activating`: an activation was started and no outcome journaled. */
  inFlight: boolean;
}

/** The watch after a deployment: what it probes, what failed, how it ended. */
interface WatchRow {
  services: string[];
  windowMs: number;
  startedAt: number;
  /** Services failing now (an `alert` watch goes on past them). */
  failing: string[];
  /** Every failure and recovery, in order, `atMs` after the watch began. */
  events: Array<{ service: string; failed: boolean; reason?: string; atMs: number }>;
  verdict?: WatchVerdict;
  service?: string;
  reason?: string;
  atMs?: number;
}

/** One stage (or display group). */
export interface StageRow {
  name: string;
  status: StageStatus;
  services: string[];
  /** False for the display groups of an implicit plan (no gate of their own). */
  gate: boolean;
  startedAt?: number;
  finishedAt?: number;
  deadline?: number;
}

/** A check's verdict (stage verify, integration, readiness). */
export interface CheckRow {
  phase: 'verify' | 'integration' | 'readiness';
  name: string;
  ok: boolean;
  detail: string;
  stage?: string;
  /** A service's own readiness probe or performance baseline. */
  service?: string;
  severity?: 'critical' | 'warning';
  category?: string;
  at: number;
}

/** One rollback step or cleanup. */
export interface RollbackRow {
  name: string;
  state:
    | 'pending'
    | 'rolling-back'
    | 'restored'
    | 'failed'
    | 'resolved-by-hand'
    | 'interrupted'
    | 'not-attempted';
  attempt: number;
  reason?: string;
}

/** One service of a `down` run. */
export interface DownRow {
  name: string;
  state:
    'pending' | 'stopping' | 'stopped' | 'not-running' | 'not-ours' | 'failed' | 'not-attempted';
  detail?: string;
}

/** Everything a journal says about one run. */
export interface RunRecord {
  /** Incremented by every fact applied. */
  version: number;
  kind: RunKind;
  deploymentId: string;
  project: string;
  environment: string;
  configHash: string;
  factsVersion?: number;
  machineVersion?: string;
  by: string;
  command: string;
  startedAt: number;
  plan: PlanOutline;
  previous?: PreviousRelease;
  target?: { release: string; from: string };
  phase: Phase;
  phases: Array<{ phase: Phase; at: number }>;
  stages: StageRow[];
  /** Display groups (the stages, or the layers of an implicit plan). */
  groups: StageRow[];
  /** In plan order. */
  serviceOrder: string[];
  services: Record<string, ServiceRow>;
  /** Services that began activating, in order (a rollback undoes them in reverse). */
  started: string[];
  prerequisites?: { ok: boolean; failed: string[] };
  prepare: Array<{ name: string; status: string; detail?: string }>;
  cleanups: Array<{ name: string; status: string; detail?: string }>;
  checks: CheckRow[];
  pendingDecision?: PendingDecision;
  decisions: DecisionRecord[];
  warnings: string[];
  lost: string[];
  /** The watch after the deployment, once it began. */
  watch?: WatchRow;
  rollback?: {
    scope: 'all' | 'failed';
    reason?: string;
    startedAt: number;
    steps: RollbackRow[];
    cleanups: RollbackRow[];
  };
  down: DownRow[];
  release?: string;
  interrupts: number;
  resumes: Array<{ at: number; by: string; summary: ResumeSummary }>;
  outcome?: Outcome;
  /** When the process that ran it closed it (`run.closed`). */
  closed?: { status: string; at: number };
  finishedAt?: number;
  /** The last fact's time. */
  lastAt: number;
}

const finishedStates: ReadonlySet<ServiceState> = new Set([
  'healthy',
  'degraded',
  'unhealthy',
  'failed',
  'skipped',
  'rolled-back',
  'rollback-failed',
  'resolved-by-hand',
]);

/** States whose update replaces the row's reason and verdict instead of keeping older ones. */
const freshStates: ReadonlySet<ServiceState> = new Set([
  'activating',
  'checking',
  'rolling-back',
  'rolled-back',
  'resolved-by-hand',
]);

/** Whether a service state ends the row's activity. */
export function isFinished(state: ServiceState): boolean {
  return finishedStates.has(state);
}

/** An empty record, before its `run.started` fact. */
export function emptyRecord(): RunRecord {
  return {
    version: 0,
    kind: 'deploy',
    deploymentId: '',
    project: '',
    environment: '',
    configHash: '',
    by: '',
    command: '',
    startedAt: 0,
    plan: { stages: [], groups: [], services: [], prepare: [], maxAttempts: 1 },
    phase: 'validating',
    phases: [],
    stages: [],
    groups: [],
    serviceOrder: [],
    services: dataRecord(),
    started: [],
    prepare: [],
    cleanups: [],
    checks: [],
    decisions: [],
    warnings: [],
    lost: [],
    down: [],
    interrupts: 0,
    resumes: [],
    lastAt: 0,
  };
}

function stageRows(
  list: PlanOutline['stages'] | PlanOutline['groups'],
  gate?: boolean,
): StageRow[] {
  return list.map((s) => ({
    name: s.name,
    status: 'pending',
    services: [...s.services],
    gate: gate ?? ('gate' in s ? s.gate : false),
  }));
}

function setStatus(row: StageRow, status: StageStatus, at: number): void {
  row.status = status;
  if (status === 'running' || status === 'confirming') {
    row.startedAt ??= at;
    delete row.finishedAt;
  }
  if (
    status === 'succeeded' ||
    status === 'skipped' ||
    status === 'failed' ||
    status === 'incomplete'
  )
    row.finishedAt = at;
}

const deployOutcomes: ReadonlySet<ServiceState> = new Set(['healthy', 'degraded', 'skipped']);
const rollbackStates: ReadonlySet<ServiceState> = new Set([
  'rolling-back',
  'rolled-back',
  'rollback-failed',
  'resolved-by-hand',
]);
/** A service the rollback undid (or the operator says was undone by hand). */
const undone: ReadonlySet<ServiceState> = new Set(['rolled-back', 'resolved-by-hand']);
/** A service this deployment never changed. */
const untouched: ReadonlySet<ServiceState> = new Set(['pending', 'waiting', 'skipped']);

/**
 * A display group's status, from its services (implicit plans have no stage of their own): failed
 * once a member failed (a rollback does not make it succeed), running while a member is activating
 * or checking or the layer is part way through, pending while all its members still wait.
 */
function groupStatus(r: RunRecord, g: StageRow): StageStatus {
  if (g.status === 'failed') return 'failed';
  const states = g.services.map((n) => own(r.services, n)?.state ?? 'pending');
  if (states.some((s) => s === 'failed' || s === 'unhealthy')) return 'failed';
  if (states.every((s) => deployOutcomes.has(s))) return 'succeeded';
  if (states.every((s) => s === 'pending' || s === 'waiting')) return 'pending';
  return 'running';
}

/**
 * A stage (or layer) that had succeeded is rolled back once the rollback undid every service of
 * it that this deployment changed: its `succeeded` no longer holds. A failed or incomplete stage
 * keeps saying so (the rows show what the rollback did).
 */
function refreshRolledBack(r: RunRecord, service: string, at: number): void {
  for (const g of new Set([...r.stages, ...r.groups])) {
    if (g.status !== 'succeeded' || !g.services.includes(service)) continue;
    const states = g.services.map((n) => own(r.services, n)?.state ?? 'pending');
    if (states.every((s) => undone.has(s) || untouched.has(s)) && states.some((s) => undone.has(s)))
      setStatus(g, 'rolled-back', at);
  }
}

function refreshGroups(r: RunRecord, service: string, at: number): void {
  const row = own(r.services, service);
  const g = r.groups.find((x) => x.name === row?.group);
  if (g === undefined || g.gate || row === undefined || rollbackStates.has(row.state)) return;
  const status = groupStatus(r, g);
  if (status !== g.status) setStatus(g, status, at);
}

/**
 * When the deployment ends nothing is left open: a stage or layer it ended part way through
 * (interrupted, or other services failed first) is incomplete; one never reached stays pending.
 */
function closeGroups(r: RunRecord, at: number): void {
  for (const g of [...r.stages, ...r.groups]) {
    if (g.status === 'running' || g.status === 'confirming' || g.status === 'verifying')
      setStatus(g, 'incomplete', at);
  }
}

function applyServiceState(
  r: RunRecord,
  f: Extract<Fact, { type: 'service.state' }>,
  at: number,
): void {
  const row = own(r.services, f.service);
  if (row === undefined) return;
  row.state = f.state;
  row.attempt = f.attempt;
  row.maxAttempts = f.maxAttempts;
  // A new phase of a service's life carries its own reason and verdict (or none): a rollback must
  // not keep showing the failure that caused it.
  if (f.verdict !== undefined) row.verdict = f.verdict;
  else if (freshStates.has(f.state)) delete row.verdict;
  if (f.reason !== undefined) row.reason = f.reason;
  else if (freshStates.has(f.state)) delete row.reason;
  if (f.failure !== undefined) row.failure = f.failure;
  else if (freshStates.has(f.state)) delete row.failure;
  if (f.state === 'activating' || f.state === 'rolling-back') {
    row.startedAt = at;
    delete row.finishedAt;
    // Probe counters belong to one attempt (or to the rollback's own checks): start afresh.
    delete row.lastProbe;
  }
  if (f.state === 'activating') {
    row.inFlight = true;
    if (!r.started.includes(f.service)) r.started.push(f.service);
  }
  if (f.state !== 'activating' && f.state !== 'pending' && f.state !== 'waiting')
    row.inFlight = false;
  if (finishedStates.has(f.state)) row.finishedAt = at;
  if (row.steps.at(-1)?.state !== f.state) row.steps.push({ state: f.state, at });
  refreshGroups(r, f.service, at);
  if (undone.has(f.state)) refreshRolledBack(r, f.service, at);
}

function rollbackRow(rows: RollbackRow[], name: string): RollbackRow {
  let row = rows.find((x) => x.name === name);
  if (row === undefined) {
    row = { name, state: 'pending', attempt: 0 };
    rows.push(row);
  }
  return row;
}

/** Applies one fact to the record, in place; returns the same record. */
export function applyFact(r: RunRecord, fact: StampedFact): RunRecord {
  const at = fact.ts;
  r.version += 1;
  r.lastAt = at;
  switch (fact.type) {
    case 'run.started': {
      Object.assign(r, {
        kind: fact.kind,
        deploymentId: fact.deploymentId,
        project: fact.project,
        environment: fact.environment,
        configHash: fact.configHash,
        factsVersion: fact.factsVersion,
        machineVersion: fact.machineVersion,
        by: fact.by,
        command: fact.command,
        startedAt: at,
        plan: fact.plan,
      });
      if (fact.previous !== undefined) r.previous = fact.previous;
      if (fact.target !== undefined) r.target = fact.target;
      r.stages = stageRows(fact.plan.stages);
      const explicit = fact.plan.stages.some((s) => s.gate);
      r.groups = explicit ? r.stages : stageRows(fact.plan.groups, false);
      r.serviceOrder = fact.plan.services.map((s) => s.name);
      r.services = dataRecord();
      for (const s of fact.plan.services)
        r.services[s.name] = {
          name: s.name,
          kind: s.kind,
          stage: s.stage,
          group: s.group,
          state: 'pending',
          attempt: 0,
          maxAttempts: fact.plan.maxAttempts,
          steps: [],
          inFlight: false,
          ...(s.placement === undefined ? {} : { placement: { ...s.placement } }),
        };
      break;
    }
    case 'phase':
      if (r.phase !== fact.phase || r.phases.length === 0) r.phases.push({ phase: fact.phase, at });
      r.phase = fact.phase;
      break;
    case 'prerequisites.checked':
      r.prerequisites = {
        ok: fact.ok,
        failed: fact.checks.filter((c) => !c.ok).map((c) => `${c.category} ${c.name}: ${c.detail}`),
      };
      break;
    case 'prepare.step':
    case 'prepare.cleanup': {
      const list = fact.type === 'prepare.step' ? r.prepare : r.cleanups;
      const row = list.find((p) => p.name === fact.name);
      const next = {
        name: fact.name,
        status: fact.status,
        ...(fact.detail === undefined ? {} : { detail: fact.detail }),
      };
      if (row === undefined) list.push(next);
      else Object.assign(row, next);
      break;
    }
    case 'stage.status': {
      const row = r.stages.find((s) => s.name === fact.stage);
      if (row === undefined) break;
      setStatus(row, fact.status, at);
      if (fact.deadline !== undefined) row.deadline = fact.deadline;
      break;
    }
    case 'service.state':
      applyServiceState(r, fact, at);
      break;
    case 'service.activated': {
      const row = own(r.services, fact.service);
      if (row === undefined) break;
      row.activated = { attempt: fact.attempt, at, durationMs: fact.durationMs };
      row.inFlight = false;
      break;
    }
    case 'service.process': {
      const row = own(r.services, fact.service);
      if (row === undefined) break;
      row.process = {
        pid: fact.pid,
        logFile: fact.logFile,
        startedAt: fact.startedAt,
        ...(fact.procStart === undefined ? {} : { procStart: fact.procStart }),
      };
      row.inFlight = false;
      break;
    }
    case 'health.attempt': {
      const row = own(r.services, fact.service);
      if (row === undefined) break;
      row.lastProbe = {
        probe: fact.probe,
        attempt: fact.attempt,
        of: fact.of,
        ok: fact.ok,
        detail: fact.detail,
        durationMs: fact.durationMs,
      };
      break;
    }
    case 'check': {
      r.checks.push({ ...payloadOf(fact), at });
      break;
    }
    case 'decision.requested':
      r.pendingDecision = fact.decision;
      break;
    case 'decision.taken': {
      const record = payloadOf(fact);
      r.decisions.push(record);
      if (r.pendingDecision?.id === fact.id) delete r.pendingDecision;
      break;
    }
    case 'warning':
      if (!r.warnings.includes(fact.message)) r.warnings.push(fact.message);
      break;
    case 'rollout.batch':
      for (const name of fact.instances) {
        const p = own(r.services, name)?.placement;
        if (p !== undefined) {
          p.batch = fact.batch;
          p.of = fact.of;
        }
      }
      break;
    case 'monitor.lost':
      if (!r.lost.includes(fact.service)) r.lost.push(fact.service);
      break;
    case 'watch.started':
      r.watch = {
        services: [...fact.services],
        windowMs: fact.windowMs,
        startedAt: at,
        failing: [],
        events: [],
      };
      break;
    case 'watch.probe':
      break;
    case 'watch.alert':
    case 'watch.recovered': {
      const w = r.watch;
      if (w === undefined) break;
      const failed = fact.type === 'watch.alert';
      w.failing = w.failing.filter((s) => s !== fact.service);
      if (failed) w.failing.push(fact.service);
      w.events.push({
        service: fact.service,
        failed,
        ...(failed ? { reason: fact.reason } : {}),
        atMs: fact.atMs,
      });
      break;
    }
    case 'watch.verdict':
      if (r.watch === undefined) break;
      r.watch.verdict = fact.verdict;
      r.watch.atMs = fact.atMs;
      if (fact.service !== undefined) r.watch.service = fact.service;
      if (fact.reason !== undefined) r.watch.reason = fact.reason;
      break;
    case 'rollback.started':
      r.rollback = {
        scope: fact.scope,
        ...(fact.reason === undefined ? {} : { reason: fact.reason }),
        startedAt: at,
        steps: fact.steps.map((name) => ({ name, state: 'pending', attempt: 0 })),
        cleanups: fact.cleanups.map((name) => ({ name, state: 'pending', attempt: 0 })),
      };
      break;
    case 'rollback.step':
    case 'rollback.cleanup': {
      r.rollback ??= { scope: 'all', startedAt: at, steps: [], cleanups: [] };
      const isStep = fact.type === 'rollback.step';
      const row = rollbackRow(
        isStep ? r.rollback.steps : r.rollback.cleanups,
        isStep ? fact.service : fact.name,
      );
      row.attempt = fact.attempt;
      // A step that starts is its service rolling back (the service does not record that itself).
      if (isStep && fact.status === 'started')
        applyServiceState(
          r,
          {
            type: 'service.state',
            service: fact.service,
            state: 'rolling-back',
            attempt: fact.attempt,
            maxAttempts: fact.attempt,
          },
          at,
        );
      // Marked resolved by the operator: the service's row says so, as the outcome does.
      if (isStep && fact.status === 'resolved-by-hand') {
        const by = r.decisions.findLast(
          (d) => d.subject === fact.service && d.choice === 'mark-resolved',
        )?.by;
        applyServiceState(
          r,
          {
            type: 'service.state',
            service: fact.service,
            state: 'resolved-by-hand',
            attempt: fact.attempt,
            maxAttempts: fact.attempt,
            reason: `marked resolved by hand${by === undefined ? '' : ` by ${by}`}`,
          },
          at,
        );
      }
      row.state =
        fact.status === 'started'
          ? 'rolling-back'
          : fact.status === 'done'
            ? 'restored'
            : fact.status;
      if (fact.reason !== undefined) row.reason = fact.reason;
      else if (fact.status === 'started' || fact.status === 'restored' || fact.status === 'done')
        delete row.reason;
      break;
    }
    case 'down.service': {
      let row = r.down.find((d) => d.name === fact.service);
      if (row === undefined) {
        row = { name: fact.service, state: 'pending' };
        r.down.push(row);
      }
      row.state = fact.status;
      if (fact.detail !== undefined) row.detail = fact.detail;
      break;
    }
    case 'release.recorded':
      r.release = fact.release;
      break;
    case 'interrupted':
      r.interrupts = Math.max(r.interrupts, fact.count);
      break;
    case 'resume.planned':
      r.resumes.push({ at, by: fact.by, summary: fact.summary });
      // A resumed run asks again what was pending; the old prompt is gone with its process.
      delete r.pendingDecision;
      break;
    case 'lock.takenOver':
    case 'orphan.stopped':
      break;
    case 'deployment.finished': {
      const outcome = payloadOf(fact);
      r.outcome = outcome;
      r.finishedAt = at;
      closeGroups(r, at);
      delete r.pendingDecision;
      break;
    }
    case 'run.closed':
      r.closed = { status: fact.status, at };
      break;
    case 'dry-run.action':
      break;
  }
  return r;
}

/** A fact's own fields: without its type, its time, or a journal line's sequence number. */
function payloadOf<F extends StampedFact>(fact: F): Omit<F, 'type' | 'ts'> {
  const { type: _t, ts: _ts, seq: _seq, ...rest } = fact as F & { seq?: number };
  return rest as Omit<F, 'type' | 'ts'>;
}

/** The record of a whole journal. */
export function foldFacts(facts: Iterable<StampedFact>): RunRecord {
  const r = emptyRecord();
  for (const f of facts) applyFact(r, f);
  return r;
}
