/**
 * The monitor of one service that became healthy during a deployment (PRODUCT.md §4.3): it runs
 * the health machine in `monitor` mode (the first probe every `interval`, `retries` consecutive
 * failures → unhealthy) and tells its parent, the deployment, `monitor.unhealthy` with the reason.
 * Monitors live at the deployment level, because a stage's service actors stop with their stage.
 */
import { enqueueActions, setup } from 'xstate';
import type { ServiceSpec } from '../config/plan-types.js';
import type { HealthAttemptEvent, MonitorErrorEvent, MonitorUnhealthyEvent } from './events.js';
import { errorText } from './health-policy.js';
import { healthMachine, type HealthInput, type HealthVerdict } from './health.machine.js';
import { healthInput } from './service-inputs.js';

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
    events: {} as HealthAttemptEvent,
  },
  actors: { health: healthMachine },
  guards: {
    lost: (_, verdict: HealthVerdict) => verdict.verdict === 'unhealthy',
  },
  actions: {
    forwardAttempt: enqueueActions(({ event, enqueue, self }) => {
      if (self._parent) enqueue.sendParent(event);
    }),
    tellUnhealthy: enqueueActions(({ context, enqueue, self }, verdict: HealthVerdict) => {
      if (!self._parent) return;
      const event: MonitorUnhealthyEvent = {
        type: 'monitor.unhealthy',
        service: context.service,
        reason: verdict.reason,
        at: Date.now(),
      };
      enqueue.sendParent(event);
    }),
    tellError: enqueueActions(({ context, enqueue, self }, p: { error: unknown }) => {
      if (!self._parent) return;
      const event: MonitorErrorEvent = {
        type: 'monitor.error',
        service: context.service,
        reason: errorText(p.error),
      };
      enqueue.sendParent(event);
    }),
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
      on: { 'health.attempt': { actions: 'forwardAttempt' } },
      invoke: {
        id: 'health',
        src: 'health',
        input: ({ context }) => context.health,
        onDone: [
          {
            guard: { type: 'lost', params: ({ event }) => event.output },
            target: 'lost',
            actions: { type: 'tellUnhealthy', params: ({ event }) => event.output },
          },
          { target: 'ended' },
        ],
        onError: {
          target: 'ended',
          actions: { type: 'tellError', params: ({ event }) => ({ error: event.error }) },
        },
      },
    },
    lost: { type: 'final' },
    ended: { type: 'final' },
  },
});
