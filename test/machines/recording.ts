/**
 * The journal of a machine test: every fact the statecharts record, in order, stamped with the
 * (fake) time and folded into a live record the way the runtime's driver folds it. Tests read the
 * facts, wait for one, or read the record and the views selected from it.
 */
import type { ResolvedPlan } from '../../src/config/plan-types.js';
import type { Fact, FactType, StampedFact } from '../../src/record/facts.js';
import { FACTS_VERSION, MACHINE_VERSION } from '../../src/record/facts.js';
import { applyFact, emptyRecord, type RunRecord } from '../../src/record/fold.js';
import type { Recorder } from '../../src/runtime/compose.js';
import { planOutline } from '../../src/runtime/outline.js';

/** A fact of one type. */
type FactOf<T extends FactType> = Extract<Fact, { type: T }>;

/** What a test reads of the facts recorded. */
export interface Recording {
  /** Pass to compose (or bind to a machine's `record` action). */
  record: Recorder;
  /** Every fact, in order, as recorded. */
  facts: Fact[];
  /** Every fact as the journal would hold it (with its time). */
  stamped: StampedFact[];
  /** The record folded from `run.started` (when a plan was given) and every fact so far. */
  run: RunRecord;
  /** The facts of one type. */
  of<T extends FactType>(type: T): Array<FactOf<T>>;
  /** The first fact (recorded already or later) of `type` that matches `where`. */
  next<T extends FactType>(type: T, where?: (fact: FactOf<T>) => boolean): Promise<FactOf<T>>;
  /** Called after each fact is recorded and folded; returns the unsubscribe. */
  subscribe(listener: (fact: StampedFact) => void): () => void;
}

/** The `run.started` fact the runtime would record for `plan`. */
export function runStarted(plan: ResolvedPlan, deploymentId = 'dep-1'): StampedFact {
  return {
    type: 'run.started',
    kind: 'deploy',
    deploymentId,
    project: plan.project,
    environment: plan.environment,
    configHash: plan.configHash,
    factsVersion: FACTS_VERSION,
    machineVersion: MACHINE_VERSION,
    by: 'tester',
    host: 'test-host',
    pid: 1,
    command: 'deploy',
    plan: planOutline(plan),
    ts: Date.now(),
  };
}

/** A fresh recording; with a plan, its record opens with the run's `run.started`. */
export function recording(plan?: ResolvedPlan, deploymentId?: string): Recording {
  const facts: Fact[] = [];
  const stamped: StampedFact[] = [];
  const run = emptyRecord();
  if (plan !== undefined) applyFact(run, runStarted(plan, deploymentId));
  const listeners = new Set<(fact: StampedFact) => void>();
  const of = <T extends FactType>(type: T): Array<FactOf<T>> =>
    facts.filter((f): f is FactOf<T> => f.type === type);
  return {
    facts,
    stamped,
    run,
    of,
    record: (fact) => {
      facts.push(fact);
      const s: StampedFact = { ...fact, ts: Date.now() };
      stamped.push(s);
      applyFact(run, s);
      for (const l of [...listeners]) l(s);
    },
    next: (type, where = () => true) => {
      const seen = of(type).find(where);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve) => {
        const listener = (f: StampedFact) => {
          if (f.type !== type) return;
          const fact = facts.at(-1) as FactOf<typeof type>;
          if (!where(fact)) return;
          listeners.delete(listener);
          resolve(fact);
        };
        listeners.add(listener);
      });
    },
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
