/**
 * The monitor of one service that became healthy during a deployment: it runs
 * the health machine in `monitor` mode (the first probe every `interval`, `retries` consecutive
 * failures → unhealthy) and tells its parent, the deployment, `monitor.unhealthy` with the
 * reason. Monitors live at the deployment level, because a stage's service actors stop with their
 * stage. A `process` service's monitor also watches the process stagecraft started for it: its
 * exit is told at once, with its exit code or signal and the tail of its log.
 */
import { setup } from 'xstate';
import type { ServiceSpec } from '../../config/plan-types.js';
import { wordFailure, type Failure } from '../../record/failures.js';
import { stubActors, type ProcessExit } from '../effects.js';
import type { MonitorErrorEvent, MonitorUnhealthyEvent } from '../events.js';
import { errorText, healthMachine, type HealthInput, type HealthVerdict } from '../health/index.js';
import { healthInput } from '../service/index.js';

/** Input of the monitor machine. */
export interface MonitorInput {
  service: ServiceSpec;
}

/** Plain, serialisable context. */
export interface MonitorContext {
  service: string;
  health: HealthInput;
  /** It has a probe to run. */
  probed: boolean;
  /** It is a `process` service: its process is watched. */
  process: boolean;
}

const hasProbe = (spec: ServiceSpec): boolean =>
  spec.health !== undefined || spec.readiness.length > 0;

/** Whether a service has something a monitor can watch: a probe, or its process. */
export function canMonitor(spec: ServiceSpec): boolean {
  return hasProbe(spec) || spec.kind === 'process';
}

/** The failure of a process that exited while it was monitored. */
function exitedWhileHealthy(service: string, exit: ProcessExit): Failure {
  return {
    kind: 'exited',
    label: service,
    pid: exit.pid,
    exitCode: exit.exitCode,
    ...(exit.signal === undefined ? {} : { signal: exit.signal }),
    statusKnown: exit.statusKnown,
    ranMs: exit.ranMs,
    during: 'healthy',
    tail: exit.tail,
    logFile: exit.logFile,
  };
}

/** The monitor statechart; compose binds `health` (the health machine with real probes). */
export const monitorMachine = setup({
  types: {
    input: {} as MonitorInput,
    context: {} as MonitorContext,
  },
  actors: { health: healthMachine, watchProcess: stubActors.watchProcess },
  guards: {
    lost: (_, verdict: HealthVerdict) => verdict.verdict === 'unhealthy',
    probed: ({ context }) => context.probed,
    isProcess: ({ context }) => context.process,
  },
  actions: {
    /** Tells the parent (bound to sendParent by compose; a no-op when run alone). */
    tell: (_, _event: MonitorUnhealthyEvent | MonitorErrorEvent) => undefined,
  },
}).createMachine({
  id: 'monitor',
  context: ({ input }) => ({
    service: input.service.name,
    health: { ...healthInput(input.service), mode: 'monitor' },
    probed: hasProbe(input.service),
    process: input.service.kind === 'process',
  }),
  initial: 'watching',
  states: {
    watching: {
      type: 'parallel',
      states: {
        probes: {
          initial: 'choosing',
          states: {
            choosing: { always: [{ guard: 'probed', target: 'probing' }, { target: 'off' }] },
            probing: {
              invoke: {
                id: 'health',
                src: 'health',
                input: ({ context }) => context.health,
                onDone: [
                  {
                    guard: { type: 'lost', params: ({ event }) => event.output },
                    target: '#monitor.lost',
                    actions: {
                      type: 'tell',
                      params: ({ context, event }) => ({
                        type: 'monitor.unhealthy',
                        service: context.service,
                        reason: event.output.reason,
                      }),
                    },
                  },
                  { target: '#monitor.ended' },
                ],
                onError: {
                  target: '#monitor.ended',
                  actions: {
                    type: 'tell',
                    params: ({ context, event }) => ({
                      type: 'monitor.error',
                      service: context.service,
                      reason: errorText(event.error),
                    }),
                  },
                },
              },
            },
            off: {},
          },
        },
        process: {
          initial: 'choosing',
          states: {
            choosing: { always: [{ guard: 'isProcess', target: 'watching' }, { target: 'off' }] },
            watching: {
              invoke: {
                id: 'process',
                src: 'watchProcess',
                input: ({ context }) => ({ service: context.service }),
                onDone: {
                  target: '#monitor.lost',
                  actions: {
                    type: 'tell',
                    params: ({ context, event }) => {
                      const failure = exitedWhileHealthy(context.service, event.output);
                      return {
                        type: 'monitor.unhealthy',
                        service: context.service,
                        reason: wordFailure(failure),
                        failure,
                      };
                    },
                  },
                },
                onError: {
                  target: 'off',
                  actions: {
                    type: 'tell',
                    params: ({ context, event }) => ({
                      type: 'monitor.error',
                      service: context.service,
                      reason: errorText(event.error),
                    }),
                  },
                },
              },
            },
            off: {},
          },
        },
      },
    },
    lost: { type: 'final' },
    ended: { type: 'final' },
  },
});
