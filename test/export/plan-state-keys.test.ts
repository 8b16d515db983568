/**
 * Keys are data in the plan's statechart (SCXML, JSON): every service, stage and prepare step
 * gets a state of its own, whatever its name — `done` (the name of the final state beside it),
 * names that differ only in characters a state key cannot hold (`a.b`, `a_b`), or names
 * Object.prototype also has.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createMachine } from 'xstate';
import { loadConfig } from '../../src/config/load.js';
import { resolvePlan } from '../../src/config/resolve.js';
import { exportPlan } from '../../src/export/index.js';
import { readScxml } from './scxml-read.js';

const CONFIG = `name: keys
prepare:
  - { name: done, run: 'true', cleanup: 'true' }
  - { name: a.b, run: 'true', cleanup: 'true' }
  - { name: a_b, run: 'true', cleanup: 'true' }
services:
  done: { activate: 'true' }
  after: { activate: 'true', dependsOn: [done] }
  a.b: { activate: 'true' }
  a_b: { activate: 'true' }
  toString: { process: 'sleep 1' }
  x.y: { activate: 'true', dependsOn: [toString] }
  x_y: { activate: 'true', dependsOn: [toString] }
stages:
  - { name: s.1, services: [done, after, a.b, a_b], parallel: false }
  - { name: s_1, services: [toString, x.y, x_y] }
`;

let dir: string | undefined;
afterEach(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('the plan statechart and names that collide as state keys', () => {
  it('has one activation, one rollback and one prepare step per name, and XState accepts it', async () => {
    dir = await mkdtemp(join(tmpdir(), 'stagecraft-keys-'));
    const configPath = join(dir, 'stagecraft.config.yaml');
    await writeFile(configPath, CONFIG);
    const plan = await resolvePlan(await loadConfig({ configPath, cwd: dir }), {});
    const names = Object.keys(plan.services);
    const [doc] = readScxml(await exportPlan(plan, 'scxml'));
    const invoked = (src: string) =>
      (doc?.invokes ?? []).filter((i) => i.src === src).map((i) => i.id);
    expect([...invoked('runCommand'), ...invoked('startProcess')].sort()).toEqual(
      [
        ...plan.prepare.map((p) => `prepare-${p.name}`),
        ...plan.prepare.map((p) => `cleanup-${p.name}`),
        ...names.map((n) => `${plan.services[n]?.kind ?? ''}-${n}`),
      ].sort(),
    );
    expect(invoked('serviceRollback')).toEqual(plan.rollbackOrder.map((n) => `rollback-${n}`));
    expect(invoked('health').sort()).toEqual(names.map((n) => `health-${n}`).sort());
    const json = JSON.parse(await exportPlan(plan, 'json')) as Parameters<typeof createMachine>[0];
    const root = createMachine(json).root.states;
    expect(Object.keys(root).filter((k) => k.startsWith('stage-'))).toHaveLength(2);
  });
});
