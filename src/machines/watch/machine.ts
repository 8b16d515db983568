/**
 * The watch statechart: after verification, before the release is recorded, it keeps probing
 * every service — its health probe, its readiness probes, its performance baseline — one round
 * every `watchInterval`, for
 * the `watchWindow` (a bake period: Argo Rollouts' post-promotion analysis, Nomad's
 * min_healthy_time). A check that fails `failuresToTrip` times in a row fails its service:
 * - `rollback`: the watch ends `failed`, naming the service, why and when (the caller rolls back);
 * - `ask`: it asks the operator to roll back or keep the release (the default, at the deadline,
 *   is rollback);
 * - `alert`: the failure is recorded and alerted, the watch goes on to the end of the window (a
 *   service that passes again is recorded as recovered) and ends `alerted`.
 * Every service healthy through the whole window: it ends `healthy`.
 */
import { and, assign, setup } from 'xstate';
import type { NotifyEventName, WatchFailurePolicy } from '../../config/plan-monitoring.js';
import type { DecisionRecord, Fact, PendingDecision, WatchVerdict } from '../../record/facts.js';
import type { DecisionEvent } from '../../record/source.js';
import { compositeFor } from '../composite.js';
import { stubActors, type PerformanceOutcome, type ProbeOutcome } from '../effects.js';
import { errorText } from '../health/index.js';
import { until } from '../timers.js';
import {
  DEFAULT_FAILURES_TO_TRIP,
  performanceResult,
  seconds,
  tripReason,
  watchChecks,
  watchedNames,
  type CheckResult,
  type WatchCheck,
  type WatchedService,
} from './logic.js';

/** Input of the watch machine. */
export interface WatchInput {
  services: WatchedService[];
  windowMs: number;
  intervalMs: number;
  onFailure: WatchFailurePolicy;
  /** Consecutive failures of one check that fail its service (default 2). */
  failuresToTrip?: number;
  /** How long an `ask` waits for the operator before rolling back (default 15 min). */
  decisionTimeoutMs?: number;
}

/** A service that failed during the watch (and, under `alert`, maybe recovered). */
interface WatchFailure {
  service: string;
  /** The check that failed. */
  check: string;
  reason: string;
  /** When, in ms since the watch began. */
  atMs: number;
  recoveredAtMs?: number;
}

/** What the watch ends with. `failed` always means: roll back. */
export interface WatchOutput {
  verdict: WatchVerdict;
  /** The failure that ended (or, kept, would have ended) the watch. */
  failure?: WatchFailure;
  /** Every failure an `alert` watch went on past (and a kept one). */
  alerts: WatchFailure[];
  /** The operator's answer under `ask`. */
  decision?: DecisionRecord;
  rounds: number;
}

/** What the watch accepts from outside: the operator's answer, or the end of the run. */
type WatchEvent =
  | Extract<DecisionEvent, { type: 'decision.rollback' | 'decision.keep' }>
  | { type: 'watch.stop' }
  /** A service was seen to fail outside the watch's own probes (its process exited). */
  | { type: 'watch.lost'; service: string; reason: string };

/** What the runtime's `notify` binding sends on. */
export interface WatchNotice {
  event: Extract<NotifyEventName, 'watch-failed' | 'decision-needed'>;
  service: string;
  reason: string;
}

/** What the runtime's `alert` binding fires (or resolves). */
export interface WatchAlert {
  service: string;
  reason: string;
  atMs: number;
  resolved: boolean;
}

/** Plain, serialisable context. */
export interface WatchContext {
  checks: WatchCheck[];
  services: string[];
  windowMs: number;
  intervalMs: number;
  onFailure: WatchFailurePolicy;
  failuresToTrip: number;
  decisionTimeoutMs: number;
  /** epoch ms */
  startedAt: number;
  /** epoch ms: the end of the window (absolute, so a restored watch re-arms it as it was). */
  deadline: number;
  /** The check of the current round. */
  index: number;
  rounds: number;
  /** Consecutive failures per check. */
  streaks: number[];
  /** The last recorded result per check (null: none recorded yet). */
  shown: Array<boolean | null>;
  /** The detail of the last result. */
  lastDetail?: string;
  /** Failures an `alert` watch went on past, in order (open ones have no `recoveredAtMs`). */
  alerts: WatchFailure[];
  failure?: WatchFailure;
  pendingDecision?: PendingDecision;
  decision?: DecisionRecord;
  verdict?: WatchVerdict;
}

type Named =
  | { type: 'record'; params: Fact }
  | { type: 'notify'; params: WatchNotice }
  | { type: 'alert'; params: WatchAlert };
const composite = compositeFor<WatchContext, WatchEvent, Named>();

const DEFAULT_DECISION_TIMEOUT_MS = 15 * 60_000;

const check = (c: WatchContext): WatchCheck => {
  const found = c.checks[c.index];
  if (found === undefined) throw new Error(`bug: the watch has no check #${c.index}`);
  return found;
};
const elapsed = (c: WatchContext): number => Date.now() - c.startedAt;
const isOpen = (c: WatchContext, service: string): boolean =>
  c.alerts.some((a) => a.service === service && a.recoveredAtMs === undefined);

/** The typed setup of the watch statechart; compose binds the effects and the recorder. */
const watchSetup = setup({
  types: {
    input: {} as WatchInput,
    context: {} as WatchContext,
    events: {} as WatchEvent,
    output: {} as WatchOutput,
  },
  actors: {
    runProbe: stubActors.runProbe,
    measurePerformance: stubActors.measurePerformance,
  },
  delays: {
    watchInterval: ({ context }) => context.intervalMs,
    watchWindow: ({ context }) => until(context.deadline),
    decisionTimeout: ({ context }) => until(context.pendingDecision?.deadline),
  },
  guards: {
    nothingToWatch: ({ context }) => context.checks.length === 0,
    roundDone: ({ context }) => context.index >= context.checks.length,
    measures: ({ context }) => check(context).kind === 'performance',
    /** The current check failed `failuresToTrip` times in a row, and its service was healthy. */
    trips: ({ context }) =>
      (context.streaks[context.index] ?? 0) >= context.failuresToTrip &&
      !isOpen(context, check(context).service),
    rollsBack: ({ context }) => context.onFailure === 'rollback',
    /** A lost service already failed (an alert is open for it): nothing new. */
    lostOpen: ({ context, event }) => event.type === 'watch.lost' && isOpen(context, event.service),
    asks: ({ context }) => context.onFailure === 'ask',
  },
  actions: {
    /** Facts go to the run's journal (bound by compose; a no-op until then). */
    record: (_, _fact: Fact) => undefined,
    /** Notification targets (bound by the runtime; a no-op here). */
    notify: (_, _notice: WatchNotice) => undefined,
    /** Alertmanager and the like (bound by the runtime; a no-op here). */
    alert: (_, _alert: WatchAlert) => undefined,
    start: composite(({ context, enqueue }) => {
      enqueue({
        type: 'record',
        params: {
          type: 'watch.started',
          services: context.services,
          windowMs: context.windowMs,
          intervalMs: context.intervalMs,
        },
      });
    }),
    newRound: assign({ index: 0, rounds: ({ context }) => context.rounds + 1 }),
    /**
     * Counts one result: the check's streak, the fact when it shows something new, and a
     * recovery when the check that failed an `alert` watch's service passes again.
     */
    count: composite<CheckResult>(({ context, enqueue }, result) => {
      const c = check(context);
      const i = context.index;
      const streaks = context.streaks.map((n, k) => (k === i ? (result.ok ? 0 : n + 1) : n));
      const shown = context.shown.map((s, k) => (k === i ? result.ok : s));
      enqueue.assign({ streaks, shown, lastDetail: result.detail });
      if (context.shown[i] !== result.ok)
        enqueue({
          type: 'record',
          params: {
            type: 'watch.probe',
            service: c.service,
            probe: c.name,
            ok: result.ok,
            detail: result.detail,
            durationMs: result.durationMs,
          },
        });
      const open = context.alerts.findIndex(
        // A service lost by its monitor (`process`) recovers when one of its probes passes again.
        (a) =>
          a.service === c.service &&
          (a.check === c.name || a.check === 'process') &&
          a.recoveredAtMs === undefined,
      );
      if (!result.ok || open < 0) return;
      const atMs = elapsed(context);
      const alerts = context.alerts.map((a, k) => (k === open ? { ...a, recoveredAtMs: atMs } : a));
      enqueue.assign({ alerts });
      enqueue({ type: 'record', params: { type: 'watch.recovered', service: c.service, atMs } });
      enqueue({
        type: 'alert',
        params: { service: c.service, reason: `${c.name} passes again`, atMs, resolved: true },
      });
    }),
    advance: assign({ index: ({ context }) => context.index + 1 }),
    /** The current check failed its service: what, why and when. */
    noteFailure: assign(({ context }) => {
      const c = check(context);
      const failures = context.streaks[context.index] ?? 0;
      const failure: WatchFailure = {
        service: c.service,
        check: c.name,
        reason: tripReason(c, failures, context.lastDetail ?? ''),
        atMs: elapsed(context),
      };
      return { failure };
    }),
    /** A service seen failing by its monitor (its process exited): failed at once. */
    noteLost: assign(({ context, event }) => {
      if (event.type !== 'watch.lost') return {};
      const failure: WatchFailure = {
        service: event.service,
        check: 'process',
        reason: event.reason,
        atMs: elapsed(context),
      };
      return { failure };
    }),
    /** Under `alert`: the failure is recorded and the watch goes on. */
    goOn: composite(({ context, enqueue }) => {
      const f = context.failure;
      if (f === undefined) return;
      enqueue.assign({ alerts: [...context.alerts, f], failure: undefined });
      enqueue({
        type: 'record',
        params: { type: 'watch.alert', service: f.service, reason: f.reason, atMs: f.atMs },
      });
    }),
    ask: composite(({ context, enqueue }) => {
      const f = context.failure;
      if (f === undefined) return;
      const decision: PendingDecision = {
        id: `watch-${f.atMs}`,
        kind: 'watch-failed',
        subject: f.service,
        message:
          `${f.service} failed ${seconds(f.atMs)} into the watch: ${f.reason}. ` +
          'Roll back, or keep this release?',
        choices: ['rollback', 'keep'],
        defaultChoice: 'rollback',
        deadline: Date.now() + context.decisionTimeoutMs,
      };
      enqueue.assign({ pendingDecision: decision });
      enqueue({ type: 'record', params: { type: 'decision.requested', decision } });
    }),
    /** Records the answer (the operator's, or the default at the deadline). */
    decide: composite<{ choice: 'rollback' | 'keep'; by: string }>(
      ({ context, enqueue }, answer) => {
        const d = context.pendingDecision;
        if (d === undefined) return;
        const decision: DecisionRecord = {
          id: d.id,
          kind: d.kind,
          subject: d.subject,
          choice: answer.choice,
          by: answer.by,
          at: Date.now(),
        };
        enqueue.assign({ decision, pendingDecision: undefined });
        enqueue({ type: 'record', params: { type: 'decision.taken', ...decision } });
      },
    ),
    end: composite<WatchVerdict>(({ context, enqueue }, verdict) => {
      const f = verdict === 'healthy' ? undefined : (context.failure ?? context.alerts[0]);
      const reason =
        verdict === 'interrupted'
          ? 'the run was interrupted'
          : verdict === 'alerted' && context.decision?.choice === 'keep'
            ? `kept by ${context.decision.by}: ${f?.reason ?? ''}`
            : f?.reason;
      enqueue.assign({ verdict });
      enqueue({
        type: 'record',
        params: {
          type: 'watch.verdict',
          verdict,
          ...(f === undefined || verdict === 'interrupted' ? {} : { service: f.service }),
          ...(reason === undefined ? {} : { reason }),
          atMs: verdict === 'failed' && f !== undefined ? f.atMs : elapsed(context),
        },
      });
    }),
  },
});

/** The failure noted, as the `alert` binding fires it. */
const firing = ({ context }: { context: WatchContext }): WatchAlert => ({
  service: context.failure?.service ?? '',
  reason: context.failure?.reason ?? '',
  atMs: context.failure?.atMs ?? 0,
  resolved: false,
});

/** The failure noted, as the `notify` binding sends it. */
const notice =
  (event: WatchNotice['event']) =>
  ({ context }: { context: WatchContext }): WatchNotice => ({
    event,
    service: context.failure?.service ?? '',
    reason: context.failure?.reason ?? '',
  });

/** Result of a probe or measurement as the watch judges it. */
const probed = ({ event }: { event: { output: ProbeOutcome } }): CheckResult => event.output;
const failedToRun = ({ event }: { event: { error: unknown } }): CheckResult => ({
  ok: false,
  detail: errorText(event.error),
  durationMs: 0,
});

/** The watch statechart. */
export const watchMachine = watchSetup.createMachine({
  id: 'watch',
  context: ({ input }) => {
    const checks = watchChecks(input.services);
    const now = Date.now();
    return {
      checks,
      services: watchedNames(checks),
      windowMs: input.windowMs,
      intervalMs: input.intervalMs,
      onFailure: input.onFailure,
      failuresToTrip: Math.max(1, input.failuresToTrip ?? DEFAULT_FAILURES_TO_TRIP),
      decisionTimeoutMs: input.decisionTimeoutMs ?? DEFAULT_DECISION_TIMEOUT_MS,
      startedAt: now,
      deadline: now + input.windowMs,
      index: 0,
      rounds: 0,
      streaks: checks.map(() => 0),
      shown: checks.map(() => null),
      alerts: [],
    };
  },
  on: { 'watch.stop': { target: '.stopped' } },
  initial: 'watching',
  states: {
    watching: {
      entry: 'start',
      after: { watchWindow: { target: 'done' } },
      on: {
        'watch.lost': [
          { guard: 'lostOpen', actions: [] },
          {
            guard: 'rollsBack',
            target: '#watch.failed',
            actions: ['noteLost', { type: 'alert', params: firing }],
          },
          {
            guard: 'asks',
            target: '#watch.deciding',
            actions: ['noteLost', { type: 'alert', params: firing }],
          },
          {
            actions: [
              'noteLost',
              { type: 'alert', params: firing },
              { type: 'notify', params: notice('watch-failed') },
              'goOn',
            ],
          },
        ],
      },
      initial: 'choosing',
      states: {
        choosing: {
          always: [
            { guard: 'nothingToWatch', target: '#watch.done' },
            { target: 'next', actions: 'newRound' },
          ],
        },
        /** The next check of this round, or a rest until the next round. */
        next: {
          always: [
            { guard: 'roundDone', target: 'resting' },
            { guard: 'measures', target: 'measuring' },
            { target: 'probing' },
          ],
        },
        probing: {
          invoke: {
            id: 'probe',
            src: 'runProbe',
            input: ({ context }) => {
              const c = check(context);
              if (c.kind !== 'probe') throw new Error(`bug: ${c.name} is not a probe`);
              return { label: `${c.service}.watch`, probe: c.probe };
            },
            onDone: { target: 'judging', actions: { type: 'count', params: probed } },
            onError: { target: 'judging', actions: { type: 'count', params: failedToRun } },
          },
        },
        measuring: {
          invoke: {
            id: 'performance',
            src: 'measurePerformance',
            input: ({ context }) => {
              const c = check(context);
              if (c.kind !== 'performance') throw new Error(`bug: ${c.name} is not a baseline`);
              return { label: `${c.service}.watch.performance`, performance: c.performance };
            },
            onDone: {
              target: 'judging',
              actions: {
                type: 'count',
                params: ({
                  context,
                  event,
                }: {
                  context: WatchContext;
                  event: { output: PerformanceOutcome };
                }) => {
                  const c = check(context);
                  return c.kind === 'performance'
                    ? performanceResult(c.performance, event.output)
                    : { ok: event.output.ok, detail: event.output.detail, durationMs: 0 };
                },
              },
            },
            onError: { target: 'judging', actions: { type: 'count', params: failedToRun } },
          },
        },
        judging: {
          always: [
            {
              guard: and(['trips', 'rollsBack']),
              target: '#watch.failed',
              actions: ['noteFailure', { type: 'alert', params: firing }],
            },
            {
              guard: and(['trips', 'asks']),
              target: '#watch.deciding',
              actions: ['noteFailure', { type: 'alert', params: firing }],
            },
            {
              guard: 'trips',
              target: 'next',
              actions: [
                'noteFailure',
                { type: 'alert', params: firing },
                { type: 'notify', params: notice('watch-failed') },
                'goOn',
                'advance',
              ],
            },
            { target: 'next', actions: 'advance' },
          ],
        },
        resting: { after: { watchInterval: { target: 'next', actions: 'newRound' } } },
      },
    },
    /** `ask`: a service failed; the operator rolls back or keeps the release. */
    deciding: {
      entry: ['ask', { type: 'notify', params: notice('decision-needed') }],
      on: {
        'decision.rollback': {
          target: 'failed',
          actions: {
            type: 'decide',
            params: ({ event }) => ({ choice: 'rollback' as const, by: event.by }),
          },
        },
        'decision.keep': {
          target: 'kept',
          actions: {
            type: 'decide',
            params: ({ event }) => ({ choice: 'keep' as const, by: event.by }),
          },
        },
      },
      after: {
        decisionTimeout: {
          target: 'failed',
          actions: { type: 'decide', params: { choice: 'rollback', by: 'timeout' } },
        },
      },
    },
    done: {
      type: 'final',
      entry: [
        {
          type: 'end',
          params: ({ context }) => (context.alerts.length > 0 ? 'alerted' : 'healthy'),
        },
      ],
    },
    failed: {
      type: 'final',
      entry: [
        { type: 'end', params: 'failed' },
        { type: 'notify', params: notice('watch-failed') },
      ],
    },
    /** The operator kept the release that failed: reported as alerted, no rollback. */
    kept: {
      type: 'final',
      entry: [
        assign(({ context }) => ({
          alerts:
            context.failure === undefined ? context.alerts : [...context.alerts, context.failure],
        })),
        { type: 'end', params: 'alerted' },
      ],
    },
    stopped: { type: 'final', entry: { type: 'end', params: 'interrupted' } },
  },
  output: ({ context }) => ({
    verdict: context.verdict ?? 'interrupted',
    ...(context.verdict === 'failed' && context.failure !== undefined
      ? { failure: context.failure }
      : {}),
    alerts: context.alerts,
    ...(context.decision === undefined ? {} : { decision: context.decision }),
    rounds: context.rounds,
  }),
});
