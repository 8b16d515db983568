/**
 * The deployment metrics registry (the only prom-client import), fed by a run's facts as they
 * are journaled — or by a journal read back, which gives the same numbers: every value comes
 * from the facts and their `ts`, never from the clock.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Fact, Phase, RunKind } from '../../record/facts.js';
import { metricNames as n, type MetricsSource } from './names.js';

/** The watch window's verdict fact (recorded by the watch after a deployment). */
interface WatchVerdictFact {
  type: 'watch.verdict';
  verdict: string;
}
/** A watch probe fact: one probe round of one service during the watch. */
interface WatchProbeFact {
  type: 'watch.probe';
  service: string;
  ok: boolean;
}

/** A journaled fact, as {@link DeploymentMetrics.observe} reads it. */
export type ObservedFact = (Fact | WatchVerdictFact | WatchProbeFact) & { ts: number };

/** A run's metrics: feed it facts, read it through its registry or {@link MetricsSource}. */
export interface DeploymentMetrics extends MetricsSource {
  readonly registry: Registry;
  observe(fact: ObservedFact): void;
}

/** Deployments and phases: seconds to an hour. */
const longBuckets = [1, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600];
/** One activation command: a tenth of a second to five minutes. */
const activationBuckets = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
/** One probe: milliseconds to ten seconds. */
const probeBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** What the registry remembers of the run being observed (only what durations need). */
interface RunMemory {
  environment: string;
  kind: RunKind;
  startedAt: number;
  phase?: { phase: Phase; at: number };
  /** Stage → when it started running. */
  stages: Map<string, number>;
  rollback?: { incomplete: boolean };
}

/** Stage statuses that end a stage's run. */
const stageEnds = new Set(['succeeded', 'failed', 'skipped', 'incomplete', 'rolled-back']);
/** Rollback step statuses that leave a service not restored. */
const notRestored = new Set(['failed', 'interrupted', 'not-attempted']);

/**
 * A registry with stagecraft's metrics for one project (the `project` label on every series).
 * Facts before a `run.started` are ignored: they have no environment.
 */
export function createDeploymentMetrics({ project }: { project: string }): DeploymentMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ project });
  const registers = [registry];
  const deployments = new Counter({
    name: n.deployments,
    help: 'Deployments finished, by result.',
    labelNames: ['environment', 'result'] as const,
    registers,
  });
  const deploymentDuration = new Histogram({
    name: n.deploymentDuration,
    help: 'From the start of a deployment to its end.',
    labelNames: ['environment', 'result'] as const,
    buckets: longBuckets,
    registers,
  });
  const phaseDuration = new Histogram({
    name: n.phaseDuration,
    help: 'Time spent in each phase of a run (validating, preparing, activating, ...).',
    labelNames: ['environment', 'phase'] as const,
    buckets: longBuckets,
    registers,
  });
  const stageDuration = new Histogram({
    name: n.stageDuration,
    help: 'From a stage starting to run to its end, by how it ended.',
    labelNames: ['environment', 'stage', 'status'] as const,
    buckets: longBuckets,
    registers,
  });
  const activation = new Histogram({
    name: n.serviceActivationDuration,
    help: "A service's successful activation command.",
    labelNames: ['environment', 'service'] as const,
    buckets: activationBuckets,
    registers,
  });
  const healthCheck = new Histogram({
    name: n.healthCheckDuration,
    help: 'One health probe of a service during a deployment, by result.',
    labelNames: ['environment', 'service', 'result'] as const,
    buckets: probeBuckets,
    registers,
  });
  const probes = new Counter({
    name: n.probeResults,
    help: 'Probes of a service (health checks and watch rounds), by result.',
    labelNames: ['environment', 'service', 'result'] as const,
    registers,
  });
  const rollbacks = new Counter({
    name: n.rollbacks,
    help: 'Rollbacks ended: restored (every step restored) or incomplete.',
    labelNames: ['environment', 'result'] as const,
    registers,
  });
  const decisions = new Counter({
    name: n.decisions,
    help: 'Decisions taken (by the operator, the policy or a timeout), by kind and choice.',
    labelNames: ['environment', 'kind', 'choice'] as const,
    registers,
  });
  const watchVerdicts = new Counter({
    name: n.watchVerdicts,
    help: 'Watch windows ended after a deployment, by verdict.',
    labelNames: ['environment', 'verdict'] as const,
    registers,
  });
  const releaseInfo = new Gauge({
    name: n.releaseInfo,
    help: 'The current release of an environment (value 1, one series per environment).',
    labelNames: ['environment', 'release'] as const,
    registers,
  });
  const releaseTimestamp = new Gauge({
    name: n.releaseTimestamp,
    help: 'When the current release of an environment was recorded (Unix seconds).',
    labelNames: ['environment'] as const,
    registers,
  });
  const current = new Map<string, string>();

  let run: RunMemory | undefined;
  const seconds = (from: number, to: number): number => Math.max(0, to - from) / 1000;
  const endPhase = (at: number): void => {
    if (!run?.phase) return;
    phaseDuration.observe(
      { environment: run.environment, phase: run.phase.phase },
      seconds(run.phase.at, at),
    );
    run.phase = undefined;
  };

  const observe = (fact: ObservedFact): void => {
    if (fact.type === 'run.started') {
      run = {
        environment: fact.environment,
        kind: fact.kind,
        startedAt: fact.ts,
        stages: new Map(),
        ...(fact.kind === 'rollback' ? { rollback: { incomplete: false } } : {}),
      };
      return;
    }
    if (run === undefined) return;
    const environment = run.environment;
    switch (fact.type) {
      case 'phase':
        endPhase(fact.ts);
        if (fact.phase !== 'done') run.phase = { phase: fact.phase, at: fact.ts };
        return;
      case 'stage.status': {
        if (fact.status === 'running' && !run.stages.has(fact.stage)) {
          run.stages.set(fact.stage, fact.ts);
        } else if (stageEnds.has(fact.status)) {
          const from = run.stages.get(fact.stage);
          if (from === undefined) return;
          run.stages.delete(fact.stage);
          stageDuration.observe(
            { environment, stage: fact.stage, status: fact.status },
            seconds(from, fact.ts),
          );
        }
        return;
      }
      case 'service.activated':
        if (fact.resumed === true) return;
        activation.observe({ environment, service: fact.service }, fact.durationMs / 1000);
        return;
      case 'health.attempt': {
        const result = fact.ok ? 'passed' : 'failed';
        healthCheck.observe({ environment, service: fact.service, result }, fact.durationMs / 1000);
        probes.inc({ environment, service: fact.service, result });
        return;
      }
      case 'watch.probe':
        probes.inc({ environment, service: fact.service, result: fact.ok ? 'passed' : 'failed' });
        return;
      case 'decision.taken':
        decisions.inc({ environment, kind: fact.kind, choice: fact.choice });
        return;
      case 'rollback.started':
        run.rollback ??= { incomplete: false };
        return;
      case 'rollback.step':
      case 'rollback.cleanup':
        if (run.rollback && notRestored.has(fact.status)) run.rollback.incomplete = true;
        return;
      case 'release.recorded': {
        const before = current.get(environment);
        if (before !== undefined && before !== fact.release)
          releaseInfo.remove({ environment, release: before });
        current.set(environment, fact.release);
        releaseInfo.set({ environment, release: fact.release }, 1);
        releaseTimestamp.set({ environment }, fact.ts / 1000);
        return;
      }
      case 'watch.verdict':
        watchVerdicts.inc({ environment, verdict: fact.verdict });
        return;
      case 'deployment.finished': {
        endPhase(fact.ts);
        if (run.kind === 'deploy') {
          deployments.inc({ environment, result: fact.result });
          deploymentDuration.observe(
            { environment, result: fact.result },
            seconds(run.startedAt, fact.ts),
          );
        }
        if (run.rollback) {
          const incomplete = run.rollback.incomplete || fact.result === 'rollback-incomplete';
          rollbacks.inc({ environment, result: incomplete ? 'incomplete' : 'restored' });
          run.rollback = undefined;
        }
        return;
      }
      default:
        return;
    }
  };

  return {
    registry,
    observe,
    get contentType() {
      return registry.contentType;
    },
    text: () => registry.metrics(),
  };
}
