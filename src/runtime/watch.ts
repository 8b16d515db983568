/**
 * The watch after a deployment, run on its own: the watch statechart with the run's effects bound
 * to it (its probes are the very probes the health machine runs: local HTTP/TCP/command, remote
 * command probes over the run's SSH connections, details masked), its facts recorded into the
 * run's recorder, and the operator's answer to its `ask` taken from `answer`. Resolves with how
 * the watch ended; `failed` always means the caller rolls back.
 */
import { createActor } from 'xstate';
import type { MonitoringSpec } from '../config/plan-monitoring.js';
import type { ResolvedPlan } from '../config/plan-types.js';
import type { Effects } from '../machines/effects.js';
import type { WatchedService, WatchOutput } from '../machines/watch/index.js';
import type { PendingDecision } from '../record/facts.js';
import { composeWatch, type Recorder, type WatchBindings } from './compose.js';

/** The operator's answer to a watch that asks (`onWatchFailure: ask`). */
interface WatchAnswer {
  choice: 'rollback' | 'keep';
  by: string;
}

/** How to run one watch. */
export interface RunWatchOptions extends WatchBindings {
  /** What to watch: {@link watchedServices} of the plan, or any services with their checks. */
  services: WatchedService[];
  spec: Pick<MonitoringSpec, 'watchMs' | 'onWatchFailure' | 'watchIntervalMs'>;
  /** The run's effects (`realEffects(...)`): the probes run exactly as during the deployment. */
  effects: Effects;
  record: Recorder;
  /** Aborting it ends the watch `interrupted` (a signal, the end of the run). */
  signal?: AbortSignal;
  /**
   * Asked when the watch asks; the watch goes on when it resolves. Without it (or when it
   * rejects) the question waits for its deadline, then rolls back.
   */
  answer?: (decision: PendingDecision, signal: AbortSignal) => Promise<WatchAnswer>;
  /** Consecutive failures of one check that fail its service (default 2). */
  failuresToTrip?: number;
  /** How long an `ask` waits (the plan's `policy.decisionTimeoutMs`; default 15 min). */
  decisionTimeoutMs?: number;
}

/** The services of `plan` a watch probes, in activation order, without the `skipped` ones. */
export function watchedServices(
  plan: ResolvedPlan,
  skipped: readonly string[] = [],
): WatchedService[] {
  return plan.activationOrder
    .filter((name) => !skipped.includes(name))
    .flatMap((name) => {
      const s = plan.services[name];
      return s === undefined ? [] : [s];
    });
}

/** Runs the watch to its end; without a window (`watchMs` 0 or absent) it is healthy at once. */
export function runWatch(o: RunWatchOptions): Promise<WatchOutput> {
  const windowMs = o.spec.watchMs ?? 0;
  if (windowMs <= 0) return Promise.resolve({ verdict: 'healthy', alerts: [], rounds: 0 });
  const asking = new AbortController();
  const pending: PendingDecision[] = [];
  const record: Recorder = (fact) => {
    o.record(fact);
    if (fact.type === 'decision.requested') pending.push(fact.decision);
  };
  const machine = composeWatch(o.effects, record, {
    ...(o.notify === undefined ? {} : { notify: o.notify }),
    ...(o.alert === undefined ? {} : { alert: o.alert }),
  });
  const actor = createActor(machine, {
    input: {
      services: o.services,
      windowMs,
      intervalMs: o.spec.watchIntervalMs,
      onFailure: o.spec.onWatchFailure,
      ...(o.failuresToTrip === undefined ? {} : { failuresToTrip: o.failuresToTrip }),
      ...(o.decisionTimeoutMs === undefined ? {} : { decisionTimeoutMs: o.decisionTimeoutMs }),
    },
  });
  const stop = (): void => actor.send({ type: 'watch.stop' });
  return new Promise<WatchOutput>((resolve, reject) => {
    actor.subscribe({
      next: () => {
        // Asked outside the transition that recorded the question (sending from inside it would
        // be lost): once the snapshot that waits for the answer is there.
        const decision = pending.shift();
        if (decision === undefined || o.answer === undefined) return;
        o.answer(decision, asking.signal).then(
          (a) =>
            actor.send(
              a.choice === 'keep'
                ? { type: 'decision.keep', by: a.by }
                : { type: 'decision.rollback', by: a.by },
            ),
          // No answer: the deadline takes the default.
          () => undefined,
        );
      },
      complete: () => {
        const output = actor.getSnapshot().output;
        if (output === undefined) reject(new Error('bug: the watch ended without an output'));
        else resolve(output);
      },
      error: reject,
    });
    if (o.signal?.aborted === true) {
      actor.start();
      stop();
      return;
    }
    o.signal?.addEventListener('abort', stop, { once: true });
    actor.start();
  }).finally(() => {
    asking.abort();
    o.signal?.removeEventListener('abort', stop);
    actor.stop();
  });
}
