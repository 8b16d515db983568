/**
 * The `down` statechart: stops an environment's services one by one in the given order (reverse
 * dependency order): each service's `stop` command, then the `process` instance stagecraft
 * started for it. A failing stop is recorded and the next service is stopped anyway. A process
 * that another state directory or project folder started is left running and named. A first
 * SIGINT/SIGTERM lets the current service finish stopping and stops nothing more; a second
 * leaves the current one as it is.
 */
import { assign, setup } from 'xstate';
import type { ServiceSpec } from '../../config/plan-types.js';
import type { Fact } from '../../record/facts.js';
import { compositeFor } from '../composite.js';
import { commandSucceeded, stubActors, type CommandOutcome, type StopOutcome } from '../effects.js';
import type { InterruptEvent } from '../events.js';
import { commandFailure, effectFailure } from '../reasons.js';
import { errorText } from '../health/index.js';

/** Input of the down machine. */
export interface DownInput {
  /** In stop order. */
  services: ServiceSpec[];
}

/** What `down` achieved. */
export interface DownOutput {
  stopped: string[];
  notRunning: string[];
  failed: Array<{ name: string; reason: string }>;
  /** Services not stopped because the operator interrupted. */
  notAttempted: string[];
  /** Running processes registered here that another folder started: left running. */
  leftRunning: Array<{ name: string; reason: string }>;
  interrupted: boolean;
}

/** Plain, serialisable context. */
export interface DownContext {
  services: ServiceSpec[];
  index: number;
  /** Whether the current service's stop command or process stop changed anything. */
  acted: boolean;
  /** Whether the current service's process was not ours to stop (`detail` says whose). */
  foreign: boolean;
  detail?: string;
  stopped: string[];
  notRunning: string[];
  failed: Array<{ name: string; reason: string }>;
  notAttempted: string[];
  leftRunning: Array<{ name: string; reason: string }>;
  interrupts: number;
}

const current = (c: DownContext): ServiceSpec | undefined => c.services[c.index];
const name = (c: DownContext): string => current(c)?.name ?? '?';

const composite = compositeFor<DownContext, InterruptEvent, { type: 'record'; params: Fact }>();

/** The down statechart. */
export const downMachine = setup({
  types: {
    input: {} as DownInput,
    context: {} as DownContext,
    events: {} as InterruptEvent,
    output: {} as DownOutput,
  },
  actors: {
    runCommand: stubActors.runCommand,
    stopProcess: stubActors.stopProcess,
  },
  guards: {
    hasNext: ({ context }) => context.index < context.services.length,
    hasStopCommand: ({ context }) => current(context)?.stop !== undefined,
    isProcess: ({ context }) => current(context)?.kind === 'process',
    commandOk: (_, out: CommandOutcome) => commandSucceeded(out),
    interrupted: ({ context }) => context.interrupts > 0,
    firstInterrupt: ({ context }) => context.interrupts === 0,
  },
  actions: {
    /** Recorded facts go to the runtime's journal (bound by compose). */
    record: (_, _fact: Fact) => undefined,
    recordStopping: composite(({ context, enqueue }) => {
      enqueue.assign({ acted: false, foreign: false, detail: undefined });
      enqueue({
        type: 'record',
        params: { type: 'down.service', service: name(context), status: 'stopping' },
      });
    }),
    noteCommand: assign({ acted: true, detail: 'stop command ok' }),
    /** A service is listed once in `failed`: a second failure of it adds to its reason. */
    failCommand: composite<string>(({ context, enqueue }, reason) => {
      const service = name(context);
      const known = context.failed.some((f) => f.name === service);
      enqueue.assign({
        failed: known
          ? context.failed.map((f) =>
              f.name === service ? { name: service, reason: `${f.reason}; ${reason}` } : f,
            )
          : [...context.failed, { name: service, reason }],
      });
    }),
    noteProcess: assign((_, out: StopOutcome) =>
      out.refused !== undefined
        ? { foreign: true, detail: out.refused }
        : out.stopped
          ? { acted: true, detail: out.pid === undefined ? 'stopped' : `pid ${out.pid}` }
          : {},
    ),
    /** The service is done: recorded as stopped, not running, or failed. */
    finishService: composite(({ context, enqueue }) => {
      const service = name(context);
      const failure = context.failed.find((f) => f.name === service);
      const status =
        failure !== undefined
          ? 'failed'
          : context.foreign
            ? 'not-ours'
            : context.acted
              ? 'stopped'
              : 'not-running';
      const detail = failure?.reason ?? context.detail;
      enqueue({
        type: 'record',
        params: {
          type: 'down.service',
          service,
          status,
          ...(detail === undefined ? {} : { detail }),
        },
      });
      enqueue.assign({
        index: context.index + 1,
        ...(status === 'stopped' ? { stopped: [...context.stopped, service] } : {}),
        ...(status === 'not-running' ? { notRunning: [...context.notRunning, service] } : {}),
        ...(status === 'not-ours'
          ? { leftRunning: [...context.leftRunning, { name: service, reason: detail ?? '' }] }
          : {}),
      });
    }),
    noteInterrupt: composite(({ context, enqueue }) => {
      enqueue.assign({ interrupts: context.interrupts + 1 });
      enqueue({ type: 'record', params: { type: 'interrupted', count: context.interrupts + 1 } });
      if (context.interrupts === 0)
        enqueue({
          type: 'record',
          params: {
            type: 'warning',
            message: 'interrupted: the service being stopped finishes, nothing more is stopped',
          },
        });
    }),
    /**
     * The services left are not stopped (interrupted): recorded as not attempted, except the
     * current one if a stop of it already failed (it stays failed, listed once).
     */
    giveUpRest: composite(({ context, enqueue }) => {
      const failedNow = context.failed.find((f) => f.name === current(context)?.name);
      const rest = context.services
        .slice(context.index)
        .map((s) => s.name)
        .filter((n) => n !== failedNow?.name);
      enqueue.assign({ notAttempted: rest, index: context.services.length });
      if (failedNow !== undefined)
        enqueue({
          type: 'record',
          params: {
            type: 'down.service',
            service: failedNow.name,
            status: 'failed',
            detail: `${failedNow.reason}; interrupted`,
          },
        });
      for (const service of rest)
        enqueue({
          type: 'record',
          params: { type: 'down.service', service, status: 'not-attempted', detail: 'interrupted' },
        });
    }),
  },
}).createMachine({
  id: 'down',
  context: ({ input }) => ({
    services: input.services,
    index: 0,
    acted: false,
    foreign: false,
    stopped: [],
    notRunning: [],
    failed: [],
    notAttempted: [],
    leftRunning: [],
    interrupts: 0,
  }),
  on: {
    'run.interrupt': [
      { guard: 'firstInterrupt', actions: 'noteInterrupt' },
      { target: '.done', actions: ['noteInterrupt', 'giveUpRest'] },
    ],
  },
  initial: 'next',
  states: {
    next: {
      always: [
        { guard: 'interrupted', target: 'done', actions: 'giveUpRest' },
        { guard: 'hasNext', target: 'stopping' },
        { target: 'done' },
      ],
    },
    stopping: {
      entry: 'recordStopping',
      initial: 'command',
      states: {
        command: {
          always: [{ guard: 'hasStopCommand', target: 'runningCommand' }, { target: 'process' }],
        },
        runningCommand: {
          invoke: {
            id: 'stop',
            src: 'runCommand',
            input: ({ context }) => {
              const spec = current(context);
              if (spec?.stop === undefined) throw new Error('bug: no stop command at index');
              return { label: `${spec.name}.stop`, command: spec.stop, timeoutMs: spec.timeoutMs };
            },
            onDone: [
              {
                guard: { type: 'commandOk', params: ({ event }) => event.output },
                target: 'process',
                actions: 'noteCommand',
              },
              {
                target: 'process',
                actions: {
                  type: 'failCommand',
                  params: ({ context, event }) =>
                    commandFailure(
                      `${name(context)}.stop`,
                      event.output,
                      current(context)?.timeoutMs ?? 0,
                    ),
                },
              },
            ],
            onError: {
              target: 'process',
              actions: {
                type: 'failCommand',
                params: ({ context, event }) =>
                  effectFailure(`${name(context)}.stop`, errorText(event.error)),
              },
            },
          },
        },
        process: {
          always: [{ guard: 'isProcess', target: 'stoppingProcess' }, { target: 'finished' }],
        },
        stoppingProcess: {
          invoke: {
            id: 'stopProcess',
            src: 'stopProcess',
            input: ({ context }) => ({ service: name(context) }),
            onDone: {
              target: 'finished',
              actions: { type: 'noteProcess', params: ({ event }) => event.output },
            },
            onError: {
              target: 'finished',
              actions: {
                type: 'failCommand',
                params: ({ context, event }) =>
                  effectFailure(`${name(context)} process stop`, errorText(event.error)),
              },
            },
          },
        },
        finished: {
          always: { target: '#down.next', actions: 'finishService' },
        },
      },
    },
    done: { type: 'final' },
  },
  output: ({ context }) => ({
    stopped: context.stopped,
    notRunning: context.notRunning,
    failed: context.failed,
    notAttempted: context.notAttempted,
    leftRunning: context.leftRunning,
    interrupted: context.interrupts > 0,
  }),
});
