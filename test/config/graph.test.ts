import { describe, expect, test } from 'vitest';
import { dependencyLayers, topoOrder } from '../../src/config/graph.js';
import { errorOf, planOf } from './helpers.js';

const svc = (deps: string[] = []) => `    activate: "true"\n    dependsOn: [${deps.join(', ')}]\n`;

describe('graph rules', () => {
  test('an unknown service in dependsOn gets a did-you-mean against service names', async () => {
    const err = await errorOf(`services:\n  database:\n${svc()}  api:\n${svc(['databse'])}`);
    expect(err.issues[0]).toMatchObject({
      path: 'services.api.dependsOn[0]',
      message: '"api" depends on unknown service "databse"',
      hint: 'did you mean "database"?',
      line: 7,
    });
  });

  test('a dependency cycle is printed a → b → c → a', async () => {
    const err = await errorOf(
      `services:\n  a:\n${svc(['b'])}  b:\n${svc(['c'])}  c:\n${svc(['a'])}`,
    );
    expect(err.issues.map((i) => i.message)).toEqual(['dependency cycle: a → b → c → a']);
  });

  test('an unknown service in a stage, with a did-you-mean', async () => {
    const err = await errorOf(
      `services:\n  api:\n${svc()}stages:\n  - { name: s, services: [apo] }\n`,
    );
    expect(err.issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'stages[0].services[0]', hint: 'did you mean "api"?' }),
      ]),
    );
  });

  test('a service in no stage, or in two, is an error naming it', async () => {
    const none = await errorOf(
      `services:\n  a:\n${svc()}  b:\n${svc()}stages:\n  - { name: s, services: [a] }\n`,
    );
    expect(none.issues.map((i) => i.message)).toEqual(['service "b" is in no stage']);
    const two = await errorOf(
      `services:\n  a:\n${svc()}stages:\n  - { name: s1, services: [a] }\n  - { name: s2, services: [a] }\n`,
    );
    expect(two.issues.map((i) => i.message)).toEqual([
      'service "a" is in two stages: "s1" and "s2"',
    ]);
  });

  test('a dependency placed in a later stage is an error', async () => {
    const err = await errorOf(
      `services:\n  db:\n${svc()}  api:\n${svc(['db'])}stages:\n  - { name: app, services: [api] }\n  - { name: data, services: [db] }\n`,
    );
    expect(err.issues[0]?.message).toBe(
      '"api" (stage "app") depends on "db", which is in the later stage "data"',
    );
  });

  test('a sequential stage must list dependencies first', async () => {
    const err = await errorOf(
      `services:\n  db:\n${svc()}  api:\n${svc(['db'])}stages:\n  - { name: s, services: [api, db], parallel: false }\n`,
    );
    expect(err.issues[0]?.message).toMatch(
      /runs one at a time but lists "api" before its dependency "db"/,
    );
  });

  test('without stages, one implicit stage schedules every service by its dependencies; the layers only group them', async () => {
    const plan = await planOf(
      `services:\n  web:\n${svc(['api'])}  api:\n${svc(['db', 'cache'])}  db:\n${svc()}  cache:\n${svc()}  docs:\n${svc()}`,
    );
    expect(plan.stages).toHaveLength(1);
    expect(plan.stages[0]).toMatchObject({
      name: 'all',
      implicit: true,
      parallel: true,
      confirm: false,
      timeoutMs: 0,
      verify: [],
    });
    expect(plan.stages[0]?.services).toEqual(['db', 'cache', 'docs', 'api', 'web']);
    expect(plan.groups.map((g) => [g.name, g.services])).toEqual([
      ['layer-1', ['db', 'cache', 'docs']],
      ['layer-2', ['api']],
      ['layer-3', ['web']],
    ]);
    expect(plan.services.web).toMatchObject({ stage: 'all', group: 'layer-3' });
  });

  test('with --step a plan without stages is gated at each dependency layer', async () => {
    const { withLayerStages } = await import('../../src/config/resolve.js');
    const plan = withLayerStages(await planOf(`services:\n  api:\n${svc(['db'])}  db:\n${svc()}`));
    expect(plan.stages.map((s) => [s.name, s.services, s.implicit, s.timeoutMs])).toEqual([
      ['layer-1', ['db'], false, 600_000],
      ['layer-2', ['api'], false, 600_000],
    ]);
    expect(plan.services.api?.stage).toBe('layer-2');
  });

  test('activation order is topological stage by stage, stable; rollback order is its reverse', async () => {
    const plan = await planOf(
      `services:\n  worker:\n${svc(['api'])}  api:\n${svc(['db'])}  db:\n${svc()}  ui:\n${svc()}stages:\n  - { name: data, services: [db] }\n  - { name: app, services: [worker, ui, api] }\n`,
    );
    expect(plan.activationOrder).toEqual(['db', 'ui', 'api', 'worker']);
    expect(plan.rollbackOrder).toEqual(['worker', 'api', 'ui', 'db']);
  });

  test('the graph helpers work on plain data', () => {
    const services = { b: { dependsOn: ['a'] }, a: { dependsOn: [] } };
    expect(dependencyLayers(services)).toEqual([
      { name: 'layer-1', services: ['a'] },
      { name: 'layer-2', services: ['b'] },
    ]);
    expect(topoOrder(services, [{ name: 'all', services: ['b', 'a'] }])).toEqual(['a', 'b']);
  });
});
