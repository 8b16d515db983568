/**
 * The health statechart of one service: the primary probe, then every readiness
 * probe, then the performance baseline. Probes poll fast at startup (50 ms doubling to the
 * interval), failures inside the start period do not count, `retries` consecutive failures make
 * the service unhealthy, `successThreshold` consecutive passes make a probe pass. A missed
 * performance baseline is `degraded`; no probe at all is `healthy` ("no probe"). While it waits
 * for the next attempt it also watches the probe's port (`watchProbe`), so a service that starts
 * listening is probed at once instead of at the next backoff tick. Each attempt whose result
 * differs from the last one shown is recorded as a `health.attempt` fact.
 */
import { assign, setup } from 'xstate';
import type { PerformanceSpec, ProbeSpec } from '../../config/plan-types.js';
import type { Fact } from '../../record/facts.js';
import { wordFailure, type Failure } from '../../record/failures.js';
import { compositeFor } from '../composite.js';
import { stubActors, type PerformanceOutcome, type ProbeOutcome } from '../effects.js';
import {
  applyResult,
  errorText,
  failureCap,
  freshProgress,
  monitorProgress,
  passCap,
  passNote,
  performanceMissed,
  performanceNote,
  probeFailed,
  probeName,
  type ProbeProgress,
} from './policy.js';

/** Input of the health machine. */
export interface HealthInput {
  service: string;
  health?: ProbeSpec;
  readiness: ProbeSpec[];
  performance?: PerformanceSpec;
  /**
   * `startup` (default): poll until a verdict. `monitor`: the service is already healthy; probe
   * its first probe every interval and end `unhealthy` after `retries` consecutive failures.
   */
  mode?: 'startup' | 'monitor';
}

/** The verdict the health machine ends with (its output). */
export interface HealthVerdict {
  verdict: 'healthy' | 'degraded' | 'unhealthy';
  /** Which probe, the last results, thresholds and elapsed vs deadline. */
  reason: string;
  /** Probe attempts made, over all probes. */
  attempts: number;
  lastDetail?: string;
  /** When not healthy: what failed, as data (`reason` is its wording). */
  failure?: Failure;
}

/** Plain, serialisable context. */
export interface HealthContext {
  service: string;
  /** The primary probe (if any) first, then the readiness probes. */
  probes: ProbeSpec[];
  /** Whether `probes[0]` is the primary check (else all are readiness probes). */
  hasPrimary: boolean;
  mode: 'startup' | 'monitor';
  performance?: PerformanceSpec;
  index: number;
  progress: ProbeProgress;
  totalAttempts: number;
  lastDetail?: string;
  /** How each finished probe passed, in order. */
  notes: string[];
  /** What the last recorded attempt showed (attempts that show nothing new are not recorded). */
  shown?: string;
  verdict?: HealthVerdict['verdict'];
  reason?: string;
  failure?: Failure;
}

const current = (c: HealthContext): ProbeSpec => {
  const probe = c.probes[c.index];
  if (!probe) throw new Error(`bug: health probe #${c.index} of ${c.service} does not exist`);
  return probe;
};
const nameOf = (c: HealthContext): string =>
  probeName(current(c), !(c.hasPrimary && c.index === 0));

const composite = compositeFor<HealthContext, { type: string }, { type: 'record'; params: Fact }>();

/** Whether the current probe is one of the service's readiness probes (not its primary check). */
const isReadiness = (c: HealthContext): boolean => !(c.hasPrimary && c.index === 0);

/** The verdict of one of the service's own readiness checks, as a `check` fact. */
const readinessCheck = (c: HealthContext, name: string, ok: boolean, detail: string): Fact => ({
  type: 'check',
  phase: 'readiness',
  service: c.service,
  name,
  ok,
  detail,
});

/** The health statechart; effects `runProbe` and `measurePerformance` are bound by compose. */
export const healthMachine = setup({
  types: {
    input: {} as HealthInput,
    context: {} as HealthContext,
    output: {} as HealthVerdict,
  },
  actors: {
    runProbe: stubActors.runProbe,
    measurePerformance: stubActors.measurePerformance,
    watchProbe: stubActors.watchProbe,
  },
  delays: {
    /** Until the absolute `nextAttemptAt` (startup backoff, then the interval). */
    probeBackoff: ({ context }) => Math.max(0, context.progress.nextAttemptAt - Date.now()),
  },
  guards: {
    hasProbe: ({ context }) => context.probes.length > 0,
    monitors: ({ context }) => context.mode === 'monitor' && context.probes.length > 0,
    hasPerformance: ({ context }) => context.performance !== undefined,
    probePassed: ({ context }) => context.progress.passes >= passCap(current(context)),
    probeFailed: ({ context }) => context.progress.failures >= failureCap(current(context)),
    moreProbes: ({ context }) => context.index + 1 < context.probes.length,
    performanceMet: (_, output: PerformanceOutcome) => output.ok,
  },
  actions: {
    /** Recorded facts go to the runtime's journal (bound by compose; a no-op until then). */
    record: (_, _fact: Fact) => undefined,
    /** Counts one attempt; records it when it shows something the last recorded one did not. */
    countAttempt: composite<ProbeOutcome>(({ context, enqueue }, outcome) => {
      const probe = current(context);
      const progress = applyResult(probe, context.progress, outcome, Date.now());
      // What the operator reads as `probe 2/3`: failures counted against `retries` (0 during the
      // fast startup polls), or passes counted against `successThreshold`.
      const fact = {
        type: 'health.attempt' as const,
        service: context.service,
        probe: nameOf(context),
        attempt: outcome.ok ? progress.passes : progress.failures,
        of: outcome.ok ? passCap(probe) : failureCap(probe),
        ok: outcome.ok,
        detail: outcome.detail,
        durationMs: outcome.durationMs,
      };
      const shown = `${fact.probe}|${fact.attempt}|${fact.of}|${fact.ok}|${fact.detail}`;
      enqueue.assign({
        progress,
        totalAttempts: context.totalAttempts + 1,
        lastDetail: outcome.detail,
        shown,
      });
      if (shown !== context.shown) enqueue({ type: 'record', params: fact });
    }),
    startPolling: assign({ progress: () => freshProgress(Date.now()) }),
    startMonitoring: assign({
      progress: ({ context }) => monitorProgress(current(context), Date.now()),
    }),
    notePass: composite(({ context, enqueue }) => {
      const probe = current(context);
      enqueue.assign({
        notes: [...context.notes, passNote(nameOf(context), probe, context.progress, Date.now())],
      });
      if (isReadiness(context))
        enqueue({
          type: 'record',
          params: readinessCheck(
            context,
            probe.label,
            true,
            `passed ${context.progress.passes}/${passCap(probe)} (last: ${context.lastDetail ?? ''})`,
          ),
        });
    }),
    nextProbe: assign({
      index: ({ context }) => context.index + 1,
      progress: () => freshProgress(Date.now()),
    }),
    failProbe: composite(({ context, enqueue }) => {
      const probe = current(context);
      const failure = probeFailed(nameOf(context), probe, context.progress, Date.now());
      enqueue.assign({ verdict: 'unhealthy' as const, reason: wordFailure(failure), failure });
      if (isReadiness(context) && context.mode === 'startup')
        enqueue({
          type: 'record',
          params: readinessCheck(
            context,
            probe.label,
            false,
            `failed ${context.progress.failures}/${failureCap(probe)} (last: ${context.lastDetail ?? ''})`,
          ),
        });
    }),
    passAll: assign({
      verdict: 'healthy',
      reason: ({ context }) => (context.notes.length > 0 ? context.notes.join('; ') : 'no probe'),
    }),
    notePerformance: composite<PerformanceOutcome>(({ context, enqueue }, out) => {
      enqueue.assign({
        notes: context.performance
          ? [...context.notes, performanceNote(context.performance, out)]
          : context.notes,
        lastDetail: out.detail,
      });
      enqueue({ type: 'record', params: readinessCheck(context, 'performance', true, out.detail) });
    }),
    missPerformance: composite<PerformanceOutcome>(({ context, enqueue }, out) => {
      const failure = context.performance ? performanceMissed(context.performance, out) : undefined;
      enqueue.assign({
        verdict: 'degraded' as const,
        reason: failure === undefined ? out.detail : wordFailure(failure),
        lastDetail: out.detail,
        ...(failure === undefined ? {} : { failure }),
      });
      enqueue({
        type: 'record',
        params: readinessCheck(context, 'performance', false, out.detail),
      });
    }),
    performanceError: composite<string>(({ context, enqueue }, message) => {
      const failure: Failure = {
        kind: 'effect',
        label: 'measuring the performance baseline',
        message,
      };
      enqueue.assign({ verdict: 'degraded' as const, reason: wordFailure(failure), failure });
      enqueue({ type: 'record', params: readinessCheck(context, 'performance', false, message) });
    }),
  },
}).createMachine({
  id: 'health',
  context: ({ input }) => ({
    service: input.service,
    probes: [...(input.health ? [input.health] : []), ...input.readiness],
    hasPrimary: input.health !== undefined,
    mode: input.mode ?? 'startup',
    ...(input.performance ? { performance: input.performance } : {}),
    index: 0,
    progress: freshProgress(0),
    totalAttempts: 0,
    notes: [],
  }),
  initial: 'starting',
  states: {
    starting: {
      always: [
        { guard: 'monitors', target: 'monitoring', actions: 'startMonitoring' },
        { guard: 'hasProbe', target: 'probing', actions: 'startPolling' },
        { guard: 'hasPerformance', target: 'measuring' },
        { target: 'healthy', actions: 'passAll' },
      ],
    },
    probing: {
      invoke: {
        id: 'probe',
        src: 'runProbe',
        input: ({ context }) => ({ label: current(context).label, probe: current(context) }),
        onDone: {
          target: 'judging',
          actions: { type: 'countAttempt', params: ({ event }) => event.output },
        },
        onError: {
          target: 'judging',
          actions: {
            type: 'countAttempt',
            params: ({ event }) => ({ ok: false, detail: errorText(event.error), durationMs: 0 }),
          },
        },
      },
    },
    judging: {
      always: [
        { guard: 'probePassed', target: 'probePassed', actions: 'notePass' },
        { guard: 'probeFailed', target: 'unhealthy', actions: 'failProbe' },
        { target: 'waiting' },
      ],
    },
    waiting: {
      after: { probeBackoff: 'probing' },
      invoke: {
        id: 'watch',
        src: 'watchProbe',
        input: ({ context }) => ({ probe: current(context) }),
        onDone: 'probing',
        // A watcher that fails leaves the backoff timer in charge.
        onError: {},
      },
    },
    probePassed: {
      always: [
        { guard: 'moreProbes', target: 'probing', actions: 'nextProbe' },
        { guard: 'hasPerformance', target: 'measuring' },
        { target: 'healthy', actions: 'passAll' },
      ],
    },
    measuring: {
      invoke: {
        id: 'performance',
        src: 'measurePerformance',
        input: ({ context }) => ({
          label: `${context.service}.performance`,
          performance: context.performance as PerformanceSpec,
        }),
        onDone: [
          {
            guard: { type: 'performanceMet', params: ({ event }) => event.output },
            target: 'healthy',
            actions: [{ type: 'notePerformance', params: ({ event }) => event.output }, 'passAll'],
          },
          {
            target: 'degraded',
            actions: { type: 'missPerformance', params: ({ event }) => event.output },
          },
        ],
        onError: {
          target: 'degraded',
          actions: { type: 'performanceError', params: ({ event }) => errorText(event.error) },
        },
      },
    },
    monitoring: {
      initial: 'resting',
      states: {
        resting: { after: { probeBackoff: 'checking' } },
        checking: {
          invoke: {
            id: 'probe',
            src: 'runProbe',
            input: ({ context }) => ({ label: current(context).label, probe: current(context) }),
            onDone: {
              target: 'judging',
              actions: { type: 'countAttempt', params: ({ event }) => event.output },
            },
            onError: {
              target: 'judging',
              actions: {
                type: 'countAttempt',
                params: ({ event }) => ({
                  ok: false,
                  detail: errorText(event.error),
                  durationMs: 0,
                }),
              },
            },
          },
        },
        judging: {
          always: [
            { guard: 'probeFailed', target: '#health.unhealthy', actions: 'failProbe' },
            { target: 'resting' },
          ],
        },
      },
    },
    healthy: { type: 'final' },
    degraded: { type: 'final' },
    unhealthy: { type: 'final' },
  },
  output: ({ context }) => ({
    verdict: context.verdict ?? 'unhealthy',
    reason: context.reason ?? 'no verdict',
    attempts: context.totalAttempts,
    ...(context.lastDetail !== undefined ? { lastDetail: context.lastDetail } : {}),
    ...(context.failure !== undefined ? { failure: context.failure } : {}),
  }),
});
