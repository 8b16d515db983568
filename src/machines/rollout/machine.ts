/**
 * The rollout statechart: rolls one placed service out to its hosts in batches. It releases a
 * batch (its stage starts those instances), waits until every instance of it is healthy or
 * tolerated, holds for `minHealthy`, confirms each healthy instance of the batch with one more
 * health probe, and releases the next. A failed (or unknown) instance within the failure budget
 * is tolerated: the stage skips it and the rollout goes on. One over the budget fails the
 * service: the stage asks for a decision, naming the hosts.
 */
import { assign, setup } from 'xstate';
import type { ProbeSpec, RolloutSpec } from '../../config/plan-types.js';
import type { ServiceState } from '../../record/facts.js';
import { compositeFor } from '../composite.js';
import { stubActors, type ProbeOutcome } from '../effects.js';
import { MAX_TIMER_MS } from '../../core/timer-limit.js';
import { batchInstances, describeBad, isBad, isUp, type InstanceView } from './logic.js';

/** Input of the rollout machine. */
interface RolloutInput {
  rollout: RolloutSpec;
  /** Each instance's health probe (none: healthy once started, nothing to confirm). */
  probes: Record<string, ProbeSpec | undefined>;
}

/** The stage tells the rollout each change of one of its instances. */
interface RolloutInstanceEvent {
  type: 'rollout.instance';
  instance: string;
  state: ServiceState;
  reason?: string;
  /** Its SSH connection was lost mid-command: unknown, not failed (still against the budget). */
  lost?: boolean;
}

/** What the rollout tells its stage. */
export type RolloutTellEvent =
  | { type: 'rollout.release'; service: string; instances: string[]; batch: number }
  | { type: 'rollout.tolerate'; service: string; instance: string; reason: string }
  | { type: 'rollout.failed'; service: string; instance: string; reason: string }
  | { type: 'rollout.done'; service: string };

interface RolloutContext {
  rollout: RolloutSpec;
  probes: Record<string, ProbeSpec | undefined>;
  batch: number;
  views: Record<string, InstanceView>;
  /** Instances counted against the budget (failed, unhealthy or unknown), in order. */
  bad: string[];
  /** Healthy instances of the current batch still to confirm after the hold. */
  confirming: string[];
}

type Named = { type: 'tell'; params: RolloutTellEvent };
type Children = { src: 'runProbe'; logic: typeof stubActors.runProbe; id: string | undefined };
const composite = compositeFor<RolloutContext, RolloutInstanceEvent, Named, Children>();

const current = (c: RolloutContext): string[] => batchInstances(c.rollout, c.batch);

/** The typed setup of the rollout statechart. */
const rolloutSetup = setup({
  types: {
    context: {} as RolloutContext,
    events: {} as RolloutInstanceEvent,
    input: {} as RolloutInput,
  },
  actors: { runProbe: stubActors.runProbe },
  delays: {
    minHealthy: ({ context }) => Math.min(MAX_TIMER_MS, context.rollout.minHealthyMs),
  },
  guards: {
    overBudget: ({ context }) => context.bad.length > context.rollout.failureBudget,
    /**
     * Every instance of the batch is up, counted bad (a bad one within budget is tolerated) or
     * left out (a dependency on its host failed: not against this budget).
     */
    batchSettled: ({ context }) =>
      current(context).every((n) => {
        const state = context.views[n]?.state ?? 'pending';
        return isUp(state) || state === 'skipped' || context.bad.includes(n);
      }),
    lastBatch: ({ context }) => context.batch + 1 >= context.rollout.batches.length,
    nothingToConfirm: ({ context }) => context.confirming.length === 0,
    probePassed: (_, outcome: ProbeOutcome) => outcome.ok,
  },
  actions: {
    tell: (_, _event: RolloutTellEvent) => undefined,
    /** Releases the current batch to the stage. */
    release: composite(({ context, enqueue }) => {
      const instances = current(context);
      enqueue({
        type: 'tell',
        params: {
          type: 'rollout.release',
          service: context.rollout.service,
          instances,
          batch: context.batch + 1,
        },
      });
    }),
    /** Notes an instance's change; a new bad one within budget is tolerated at once. */
    track: composite(({ context, enqueue, event }) => {
      // A tolerated instance is skipped by its stage: it stays what it was to the rollout.
      if (context.bad.includes(event.instance)) return;
      const view: InstanceView = {
        state: event.state,
        ...(event.reason === undefined ? {} : { reason: event.reason }),
        ...(event.lost === true ? { lost: true } : {}),
      };
      const views = { ...context.views, [event.instance]: view };
      if (!isBad(event.state)) {
        enqueue.assign({ views });
        return;
      }
      const bad = [...context.bad, event.instance];
      enqueue.assign({ views, bad });
      if (bad.length > context.rollout.failureBudget) return;
      const reason =
        `${describeBad(context.rollout, views, [event.instance])}: within the failure budget of ` +
        `${context.rollout.failureBudget} (${bad.length} used)`;
      enqueue({
        type: 'tell',
        params: {
          type: 'rollout.tolerate',
          service: context.rollout.service,
          instance: event.instance,
          reason,
        },
      });
    }),
    tellFailed: composite(({ context, enqueue }) => {
      const instance = context.bad[context.bad.length - 1] ?? '';
      const reason =
        `${context.rollout.service}: ${context.bad.length} of ${context.rollout.instances.length} ` +
        `hosts failed or unknown, over the failure budget of ${context.rollout.failureBudget}: ` +
        describeBad(context.rollout, context.views, context.bad);
      enqueue({
        type: 'tell',
        params: { type: 'rollout.failed', service: context.rollout.service, instance, reason },
      });
    }),
    startConfirming: assign(({ context }) => ({
      confirming:
        context.rollout.minHealthyMs > 0
          ? current(context).filter(
              (n) => isUp(context.views[n]?.state ?? 'pending') && context.probes[n] !== undefined,
            )
          : [],
    })),
    /** One instance confirmed (or not): a failed confirmation counts it bad. */
    confirmed: composite<ProbeOutcome>(({ context, enqueue }, outcome) => {
      const [name, ...rest] = context.confirming;
      enqueue.assign({ confirming: rest });
      if (name === undefined || outcome.ok) return;
      const reason = `unhealthy after ${context.rollout.minHealthyMs} ms of minHealthy: ${outcome.detail}`;
      const views = { ...context.views, [name]: { state: 'unhealthy' as const, reason } };
      const bad = [...context.bad, name];
      enqueue.assign({ views, bad });
      if (bad.length > context.rollout.failureBudget) return;
      // Within the budget it is tolerated like any failed instance: the stage warns of it.
      enqueue({
        type: 'tell',
        params: {
          type: 'rollout.tolerate',
          service: context.rollout.service,
          instance: name,
          reason:
            `${describeBad(context.rollout, views, [name])}: within the failure budget of ` +
            `${context.rollout.failureBudget} (${bad.length} used)`,
        },
      });
    }),
    nextBatch: assign(({ context }) => ({ batch: context.batch + 1 })),
    tellDone: composite(({ context, enqueue }) => {
      enqueue({ type: 'tell', params: { type: 'rollout.done', service: context.rollout.service } });
    }),
  },
});

/** The rollout statechart. */
export const rolloutMachine = rolloutSetup.createMachine({
  id: 'rollout',
  context: ({ input }) => ({
    rollout: input.rollout,
    probes: input.probes,
    batch: 0,
    views: {},
    bad: [],
    confirming: [],
  }),
  on: { 'rollout.instance': { actions: 'track' } },
  initial: 'batch',
  states: {
    /** The current batch is released; its instances activate and check their health. */
    batch: {
      entry: 'release',
      always: [
        { guard: 'overBudget', target: 'failed' },
        { guard: 'batchSettled', target: 'holding' },
      ],
    },
    /** The batch is healthy: it must stay so for `minHealthy` before the next one starts. */
    holding: {
      always: { guard: 'overBudget', target: 'failed' },
      after: { minHealthy: { target: 'confirming', actions: 'startConfirming' } },
    },
    /** One health probe per healthy instance of the batch, after the hold. */
    confirming: {
      initial: 'next',
      states: {
        next: {
          always: [
            { guard: 'overBudget', target: '#rollout.failed' },
            { guard: 'nothingToConfirm', target: '#rollout.advancing' },
            { target: 'probing' },
          ],
        },
        probing: {
          invoke: {
            id: 'confirm',
            src: 'runProbe',
            input: ({ context }) => {
              const name = context.confirming[0] ?? '';
              const probe = context.probes[name];
              if (probe === undefined) throw new Error(`bug: no probe to confirm ${name}`);
              return { label: `${name}.minHealthy`, probe };
            },
            onDone: {
              target: 'next',
              actions: { type: 'confirmed', params: ({ event }) => event.output },
            },
            onError: {
              target: 'next',
              actions: {
                type: 'confirmed',
                params: ({ event }) => ({
                  ok: false,
                  detail: String(event.error),
                  durationMs: 0,
                }),
              },
            },
          },
        },
      },
    },
    advancing: {
      always: [
        { guard: 'lastBatch', target: 'done' },
        { target: 'batch', actions: 'nextBatch' },
      ],
    },
    // Not final: the stage stops the rollout when it hears of the end (a final child's done
    // event would reach a stage that may have finished already).
    failed: { entry: 'tellFailed' },
    done: { entry: 'tellDone' },
  },
});
