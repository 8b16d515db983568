import { describe, expect, it } from 'vitest';
import { applyServiceUpdate, initialContext } from '../../src/machines/deployment-context.js';
import type { ServiceUpdateEvent } from '../../src/machines/events.js';
import { plan } from './deployment-fixtures.js';

const update = (state: ServiceUpdateEvent['state'], extra: Partial<ServiceUpdateEvent> = {}) => ({
  type: 'service.update' as const,
  service: 'api',
  state,
  attempt: 1,
  maxAttempts: 1,
  at: 1_000,
  ...extra,
});

describe('deployment view: service rows', () => {
  it('drops the failure reason and verdict when the service starts rolling back', () => {
    let ctx = initialContext(
      { plan: plan(), deploymentId: 'd', interactive: false, step: false },
      0,
    );
    const failed = update('unhealthy', { verdict: 'unhealthy', reason: 'probe failed 3/3' });
    ctx = { ...ctx, ...applyServiceUpdate(ctx, failed) };
    expect(ctx.services.api).toMatchObject({ state: 'unhealthy', reason: 'probe failed 3/3' });

    ctx = { ...ctx, ...applyServiceUpdate(ctx, update('rolling-back')) };
    expect(ctx.services.api?.state).toBe('rolling-back');
    expect(ctx.services.api?.reason).toBeUndefined();
    expect(ctx.services.api?.verdict).toBeUndefined();

    const back = update('rolled-back', { reason: 'tcp 127.0.0.1:1 passed 1/1' });
    ctx = { ...ctx, ...applyServiceUpdate(ctx, back) };
    expect(ctx.services.api).toMatchObject({
      state: 'rolled-back',
      reason: 'tcp 127.0.0.1:1 passed 1/1',
    });
  });

  it('keeps a reason through a state change that brings none (skipped after a failure)', () => {
    let ctx = initialContext(
      { plan: plan(), deploymentId: 'd', interactive: false, step: false },
      0,
    );
    ctx = { ...ctx, ...applyServiceUpdate(ctx, update('failed', { reason: 'exit 1' })) };
    ctx = { ...ctx, ...applyServiceUpdate(ctx, update('skipped')) };
    expect(ctx.services.api).toMatchObject({ state: 'skipped', reason: 'exit 1' });
  });
});
