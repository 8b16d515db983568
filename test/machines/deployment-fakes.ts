/** Fake child logic for the stage and deployment tests: behaves per the interface, no I/O. */
import { assign, enqueueActions, setup } from 'xstate';
import type { ServiceInput } from '../../src/machines/child-types.js';
import type { ServiceState } from '../../src/machines/events.js';

/**
 * What a fake service does on each activation attempt; `hold` waits for `fake.finish`; `crash`
 * throws (the actor errors, as a bug in a real service would).
 */
export type FakeOutcome = 'healthy' | 'degraded' | 'failed' | 'unhealthy' | 'hold' | 'crash';

type FakeEvent =
  | { type: 'service.wait' }
  | { type: 'service.start' }
  | { type: 'service.retry' }
  | { type: 'service.skip' }
  | { type: 'fake.finish'; state: 'healthy' | 'degraded' | 'failed' | 'unhealthy' };

interface FakeContext {
  name: string;
  attempt: number;
  maxAttempts: number;
}

/**
 * A fake service machine: each start/retry takes the next scripted outcome (default healthy),
 * reports `service.update` to its parent like the real one, and logs starts to `log`.
 */
export function fakeService(script: Record<string, FakeOutcome[]>, log: string[]) {
  const outcome = (c: FakeContext): FakeOutcome => script[c.name]?.[c.attempt - 1] ?? 'healthy';
  return setup({
    types: { input: {} as ServiceInput, context: {} as FakeContext, events: {} as FakeEvent },
    actions: {
      report: enqueueActions(({ enqueue, context }, state: ServiceState) => {
        const reason =
          state === 'failed' || state === 'unhealthy'
            ? `${context.name} ${state} (fake)`
            : undefined;
        enqueue.sendParent({
          type: 'service.update',
          service: context.name,
          state,
          attempt: context.attempt,
          maxAttempts: context.maxAttempts,
          ...(reason === undefined ? {} : { reason }),
          at: Date.now(),
        });
      }),
    },
  }).createMachine({
    context: ({ input }) => ({
      name: input.service.name,
      attempt: 0,
      maxAttempts: input.retries + 1,
    }),
    initial: 'pending',
    states: {
      pending: { on: { 'service.wait': 'waiting', 'service.start': 'activating' } },
      waiting: {
        entry: { type: 'report', params: 'waiting' },
        on: { 'service.start': 'activating' },
      },
      activating: {
        entry: [
          assign({ attempt: ({ context }) => context.attempt + 1 }),
          ({ context }) => log.push(`start:${context.name}`),
          { type: 'report', params: 'activating' },
        ],
        always: [
          { guard: ({ context }) => outcome(context) === 'healthy', target: 'healthy' },
          { guard: ({ context }) => outcome(context) === 'degraded', target: 'degraded' },
          { guard: ({ context }) => outcome(context) === 'failed', target: 'failed' },
          { guard: ({ context }) => outcome(context) === 'unhealthy', target: 'unhealthy' },
          {
            guard: ({ context }) => outcome(context) === 'crash',
            actions: ({ context }) => {
              throw new Error(`${context.name} crashed (fake)`);
            },
          },
        ],
        on: {
          'fake.finish': [
            { guard: ({ event }) => event.state === 'healthy', target: 'healthy' },
            { guard: ({ event }) => event.state === 'degraded', target: 'degraded' },
            { guard: ({ event }) => event.state === 'failed', target: 'failed' },
            { target: 'unhealthy' },
          ],
        },
      },
      healthy: { entry: { type: 'report', params: 'healthy' } },
      degraded: { entry: { type: 'report', params: 'degraded' } },
      failed: {
        entry: { type: 'report', params: 'failed' },
        on: { 'service.retry': 'activating', 'service.skip': 'skipped' },
      },
      unhealthy: {
        entry: { type: 'report', params: 'unhealthy' },
        on: { 'service.retry': 'activating', 'service.skip': 'skipped' },
      },
      skipped: { type: 'final', entry: { type: 'report', params: 'skipped' } },
    },
  });
}
