/**
 * The monitor of one service that became healthy during a deployment: it runs
 * the health machine in `monitor` mode (the first probe every `interval`, `retries` consecutive
 * failures → unhealthy) and tells its parent, the deployment, `monitor.unhealthy` with the
 * reason. Monitors live at the deployment level, because a stage's service actors stop with their
 * stage.
 */
import { setup } from 'xstate';
import type { ServiceSpec } from '../../config/plan-types.js';
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
}

/** Whether a service has a probe a monitor can watch. */
export function canMonitor(spec: ServiceSpec): boolean {
  return spec.health !== undefined || spec.readiness.length > 0;
}

/** The monitor statechart; compose binds `health` (the health machine with real probes). */
export const monitorMachine = setup({
  types: {
    input: {} as MonitorInput,
    context: {} as MonitorContext,
  },
  actors: { health: healthMachine },
  guards: {
    lost: (_, verdict: HealthVerdict) => verdict.verdict === 'unhealthy',
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
  }),
  initial: 'watching',
  states: {
    watching: {
      invoke: {
        id: 'health',
        src: 'health',
        input: ({ context }) => context.health,
        onDone: [
          {
            guard: { type: 'lost', params: ({ event }) => event.output },
            target: 'lost',
            actions: {
              type: 'tell',
              params: ({ context, event }) => ({
                type: 'monitor.unhealthy',
                service: context.service,
                reason: event.output.reason,
              }),
            },
          },
          { target: 'ended' },
        ],
        onError: {
          target: 'ended',
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
    lost: { type: 'final' },
    ended: { type: 'final' },
  },
});
