/**
 * The statecharts' pure helpers read service names as own keys: a service named `toString`,
 * `constructor` or `valueOf` is an ordinary name, and a name the plan does not have is absent,
 * never a member of Object.prototype.
 */
import { describe, expect, it } from 'vitest';
import type { ServiceSpec } from '../../src/config/plan-types.js';
import { own } from '../../src/core/own.js';
import { rollbackSteps } from '../../src/machines/deployment/index.js';
import { dependentsIn, planStarts } from '../../src/machines/stage/logic.js';
import { plan, service, stage } from './deployment-fixtures.js';

const services: Record<string, ServiceSpec> = {
  toString: service('toString', 'app'),
  constructor: service('constructor', 'app', ['toString']),
  valueOf: service('valueOf', 'app', ['constructor', 'toString']),
};
const app = stage('app', ['toString', 'constructor', 'valueOf']);
const view = {
  stage: app,
  services,
  index: { toString: 0, constructor: 1, valueOf: 2 },
  states: ['healthy', 'pending', 'pending'] as const,
  healthy: ['toString'],
  started: ['toString'],
  waiting: ['constructor', 'valueOf'],
};

describe('service names that Object.prototype also has', () => {
  it('dependentsIn lists each one’s dependents, and nothing for a service nobody depends on', () => {
    const out = dependentsIn(app, services);
    expect(own(out, 'toString')).toEqual(['constructor', 'valueOf']);
    expect(own(out, 'constructor')).toEqual(['valueOf']);
    expect(Object.hasOwn(out, 'valueOf')).toBe(false);
  });

  it('planStarts starts the dependents of a settled service named toString', () => {
    const dependents = dependentsIn(app, services);
    const candidates = own(dependents, 'toString');
    expect(planStarts(view, candidates)).toEqual({ start: ['constructor'], wait: [] });
  });

  it('rollbackSteps skips a released service named toString that the plan no longer has', () => {
    const steps = rollbackSteps(plan(), ['toString', 'db'], {
      env: { db: { A: '1' } },
      running: ['toString', 'db'],
    });
    expect(steps.map((s) => s.service.name)).toEqual(['db']);
    expect(steps[0]?.previousEnv).toEqual({ A: '1' });
  });
});
