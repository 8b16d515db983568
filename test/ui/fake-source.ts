/**
 * A fake view source over a real RunRecord (facts are folded with the runtime's own `applyFact`),
 * and builders of the facts a scenario pushes into it: a plan outline, `run.started`, service rows
 * turned into the facts that lead to them, a live deployment, a decision, an outcome.
 */
import type { OperatorEvent } from '../../src/machines/events.js';
import {
  FACTS_VERSION,
  MACHINE_VERSION,
  type Fact,
  type Outcome,
  type PendingDecision,
  type PlanOutline,
  type ServiceState,
  type StampedFact,
  type Verdict,
} from '../../src/record/facts.js';
import { applyFact, emptyRecord, type ProbeRow, type RunRecord } from '../../src/record/fold.js';
import type { ViewSource } from '../../src/record/source.js';

/** The `run.started` fact. */
export type RunStarted = Extract<Fact, { type: 'run.started' }>;

/**
 * A fake view source: it holds a real RunRecord, folds each pushed fact into it with the
 * runtime's `applyFact`, tells the listeners, and records every event the UI sends.
 */
export class FakeSource implements ViewSource {
  /** Every event sent through `send`, in order. */
  readonly sent: OperatorEvent[] = [];
  /** How many times the UI read the record. */
  reads = 0;
  /** The record, for assertions (reading it here is not counted in `reads`). */
  readonly current: RunRecord = emptyRecord();
  private readonly listeners = new Set<(fact: StampedFact) => void>();

  constructor(started: RunStarted, ts = Date.now()) {
    this.push(started, ts);
  }

  record(): RunRecord {
    this.reads += 1;
    return this.current;
  }

  subscribe(listener: (fact: StampedFact) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  send(event: OperatorEvent): void {
    this.sent.push(event);
  }

  /** Stamps `fact` with `ts`, folds it into the record and notifies every listener. */
  push(fact: Fact, ts = Date.now()): StampedFact {
    const stamped = { ...fact, ts };
    applyFact(this.current, stamped);
    for (const listener of [...this.listeners]) listener(stamped);
    return stamped;
  }

  /** Pushes each fact in order, all stamped `ts`. */
  pushAll(facts: readonly Fact[], ts = Date.now()): void {
    for (const f of facts) this.push(f, ts);
  }

  /** Number of listeners (the UI unsubscribes when it unmounts). */
  get listenerCount(): number {
    return this.listeners.size;
  }
}

/** A stage (or display group) of an outline. */
export interface StageSketch {
  name: string;
  services: string[];
}

/**
 * The plan outline of explicit stages (each one a gate), or, with `implicit`, of a plan without
 * `stages:` whose dependency layers are the given groups.
 */
export function outline(
  stages: readonly StageSketch[],
  o: { implicit?: boolean; maxAttempts?: number; kind?: 'activate' | 'process' } = {},
): PlanOutline {
  const implicit = o.implicit === true;
  const all = stages.flatMap((s) => s.services);
  return {
    stages: implicit
      ? [{ name: 'all', services: all, gate: false }]
      : stages.map((s) => ({ name: s.name, services: [...s.services], gate: true })),
    groups: stages.map((s) => ({ name: s.name, services: [...s.services] })),
    services: stages.flatMap((s) =>
      s.services.map((name) => ({
        name,
        kind: o.kind ?? ('process' as const),
        stage: implicit ? 'all' : s.name,
        group: s.name,
      })),
    ),
    prepare: [],
    maxAttempts: o.maxAttempts ?? 1,
  };
}

/** The `run.started` fact of a run of `plan`. */
export function started(
  plan: PlanOutline,
  extra: Partial<Omit<RunStarted, 'type' | 'plan'>> = {},
): RunStarted {
  return {
    type: 'run.started',
    kind: 'deploy',
    deploymentId: 'dep-20261126-0001',
    project: 'shop',
    environment: 'staging',
    configHash: 'abc',
    factsVersion: FACTS_VERSION,
    machineVersion: MACHINE_VERSION,
    by: 'tester',
    host: 'test-host',
    pid: 1,
    command: 'deploy',
    plan,
    ...extra,
  };
}

/** How a service row should end up: turned into the facts that lead there by {@link rowFacts}. */
export interface Row {
  name: string;
  state: ServiceState;
  attempt?: number;
  maxAttempts?: number;
  /** When it began activating (default: 2 s ago). */
  startedAt?: number;
  /** When it reached a finished state (default: now). */
  finishedAt?: number;
  reason?: string;
  verdict?: Verdict;
  probe?: Omit<ProbeRow, 'probe'> & { probe?: string };
}

/** A service row sketch. */
export function row(name: string, state: ServiceState = 'pending', extra: Partial<Row> = {}): Row {
  return { name, state, ...extra };
}

const finished = new Set<ServiceState>([
  'healthy',
  'degraded',
  'unhealthy',
  'failed',
  'skipped',
  'rolled-back',
  'rollback-failed',
]);

/**
 * The facts that bring a service to `r.state`, each with its time: `activating` at `startedAt`
 * (and, for the rollback states, the outcome before it), a health attempt, then the state itself.
 */
function rowFacts(r: Row, now = Date.now()): Array<{ fact: Fact; ts: number }> {
  if (r.state === 'pending') return [];
  const attempt = r.attempt ?? 1;
  const maxAttempts = r.maxAttempts ?? 1;
  const state = (s: ServiceState, extra: { reason?: string; verdict?: Verdict } = {}): Fact => ({
    type: 'service.state',
    service: r.name,
    state: s,
    attempt,
    maxAttempts,
    ...extra,
  });
  const begin = r.startedAt ?? now - 2000;
  const end = r.finishedAt ?? now;
  const out: Array<{ fact: Fact; ts: number }> = [];
  if (r.state === 'waiting') return [{ fact: state('waiting'), ts: begin }];
  if (r.state === 'rolling-back' || r.state === 'rolled-back' || r.state === 'rollback-failed') {
    out.push({ fact: state('activating'), ts: begin - 1000 });
    out.push({ fact: state('healthy'), ts: begin - 500 });
    out.push({ fact: state('rolling-back'), ts: begin });
  } else {
    out.push({ fact: state('activating'), ts: begin });
  }
  if (r.probe !== undefined) {
    if (r.state !== 'activating' && r.state !== 'rolling-back')
      out.push({ fact: state('checking'), ts: begin });
    out.push({
      fact: { type: 'health.attempt', service: r.name, ...r.probe, probe: r.probe.probe ?? 'http' },
      ts: begin,
    });
  }
  if (r.state === 'activating' || r.state === 'rolling-back') return out;
  const extra = {
    ...(r.reason === undefined ? {} : { reason: r.reason }),
    ...(r.verdict === undefined ? {} : { verdict: r.verdict }),
  };
  if (r.state === 'checking') {
    if (r.probe === undefined) out.push({ fact: state('checking', extra), ts: begin });
    return out;
  }
  out.push({ fact: state(r.state, extra), ts: finished.has(r.state) ? end : begin });
  return out;
}

/** Pushes the facts of every row into `source`, in time order. */
export function pushRows(source: FakeSource, rows: readonly Row[], now = Date.now()): void {
  const facts = rows.flatMap((r) => rowFacts(r, now));
  facts.sort((a, b) => a.ts - b.ts);
  for (const { fact, ts } of facts) source.push(fact, ts);
}

/** Options of {@link liveRun}. */
export interface LiveRunOptions {
  warnings?: string[];
  decision?: PendingDecision;
  /** When the run started (default: 5 s ago). */
  t?: number;
}

/**
 * A deployment in stage `app` (2/2), stage `data` (no services) finished in 1.2 s, with the
 * given rows in `app`: `run.started`, the phases and stage statuses, each row's facts, the
 * warnings, and the pending decision.
 */
export function liveRun(rows: readonly Row[], o: LiveRunOptions = {}): FakeSource {
  const t = o.t ?? Date.now() - 5000;
  const plan = outline([
    { name: 'data', services: [] },
    { name: 'app', services: rows.map((r) => r.name) },
  ]);
  const source = new FakeSource(started(plan), t);
  source.push({ type: 'phase', phase: 'activating' }, t);
  source.push({ type: 'stage.status', stage: 'data', status: 'running' }, t);
  source.push({ type: 'stage.status', stage: 'data', status: 'succeeded' }, t + 1200);
  source.push({ type: 'stage.status', stage: 'app', status: 'running' }, t + 1300);
  pushRows(source, rows);
  for (const message of o.warnings ?? []) source.push({ type: 'warning', message });
  if (o.decision !== undefined) source.push({ type: 'decision.requested', decision: o.decision });
  return source;
}

/** The `deployment.finished` fact of an outcome. */
export function finishedFact(outcome: Partial<Outcome> & Pick<Outcome, 'result'>): Fact {
  return { type: 'deployment.finished', interrupted: false, ...outcome };
}

/** A pending decision. */
export function decision(extra: Partial<PendingDecision> = {}): PendingDecision {
  return {
    id: 'd1',
    kind: 'failure',
    subject: 'api',
    message: 'api unhealthy: GET /healthz answered 503 five times',
    choices: ['rollback', 'abort'],
    defaultChoice: 'rollback',
    deadline: Date.now() + 15 * 60_000,
    ...extra,
  };
}
