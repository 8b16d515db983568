/**
 * Model-based tests of the `down` statechart: shortest paths from `xstate/graph` (states computed
 * from the definition) reach every state, the composed machine (on effects that never settle)
 * follows every path, and every finished path accounts for each service.
 */
import { describe, expect, it } from 'vitest';
import type { AnyEventObject, AnyMachineSnapshot } from 'xstate';
import { downMachine, type DownInput, type DownOutput } from '../../src/machines/down/index.js';
import { composeDown } from '../../src/runtime/compose.js';
import { activateService, processService } from './down-harness.js';
import { exited, inertEffects } from './fake-effects.js';
import { allStateIds, possibleEvents, replay, shortestPaths } from './service-model-kit.js';

const inert = composeDown(inertEffects, () => undefined);

const events: AnyEventObject[] = [
  { type: 'xstate.done.actor.stop', output: exited(0) },
  { type: 'xstate.done.actor.stop', output: exited(1, 'busy') },
  { type: 'xstate.error.actor.stop', error: new Error('spawn ENOENT') },
  { type: 'xstate.done.actor.stopProcess', output: { stopped: true, pid: 7 } },
  { type: 'xstate.done.actor.stopProcess', output: { stopped: false } },
  { type: 'xstate.done.actor.stopProcess', output: { stopped: false, refused: 'not ours' } },
  { type: 'xstate.error.actor.stopProcess', error: new Error('registry unreadable') },
  { type: 'run.interrupt' },
];

const inputs: Record<string, DownInput> = {
  'a process with a stop command, then a plain process': {
    services: [processService('web', './drain.sh'), processService('db')],
  },
  'an activate service with a stop command, then one without': {
    services: [activateService('api', './stop.sh'), activateService('migrate')],
  },
  'nothing to stop': { services: [] },
};

/** Value, status, the counters the guards read and what was achieved (at most one per service). */
const serializeState = (s: AnyMachineSnapshot): string => {
  const c = s.context as DownOutput & {
    index: number;
    interrupts: number;
    acted: boolean;
    foreign: boolean;
  };
  return JSON.stringify([
    s.status,
    s.value,
    c.index,
    Math.min(c.interrupts, 2),
    c.acted,
    c.foreign,
    c.stopped,
    c.notRunning,
    c.failed.map((f) => f.name),
    c.notAttempted,
    c.leftRunning.map((l) => l.name),
  ]);
};
const pathsFor = (input: DownInput) =>
  shortestPaths(downMachine, {
    input,
    // Nothing happens to a finished run.
    events: (s) => (s.status === 'done' ? [] : possibleEvents(events)(s)),
    serializeState,
    limit: 2000,
  });

describe('down machine model', () => {
  it('reaches every state of the down machine, and the composed machine follows every path', () => {
    const visited = new Set<string>();
    const mismatches: string[] = [];
    let replayed = 0;
    for (const input of Object.values(inputs)) {
      for (const path of pathsFor(input)) {
        const result = replay(inert, input, path);
        result.visited.forEach((id) => visited.add(id));
        mismatches.push(...result.mismatches);
        replayed += 1;
      }
    }
    expect(mismatches).toEqual([]);
    expect(replayed).toBeGreaterThan(10);
    expect(allStateIds(downMachine).filter((id) => !visited.has(id))).toEqual([]);
  });

  it('ends every finished path with each service stopped, not running, left running, failed or not attempted', () => {
    let finished = 0;
    for (const input of Object.values(inputs)) {
      const names = input.services.map((s) => s.name).sort();
      for (const path of pathsFor(input)) {
        if (path.state.status !== 'done') continue;
        finished += 1;
        const out = path.state.output as DownOutput;
        const accounted = [
          ...out.stopped,
          ...out.notRunning,
          ...out.failed.map((f) => f.name),
          ...out.notAttempted,
          ...out.leftRunning.map((l) => l.name),
        ];
        // Every service exactly once.
        expect([...accounted].sort()).toEqual(names);
        if (out.notAttempted.length > 0) expect(out.interrupted).toBe(true);
      }
    }
    expect(finished).toBeGreaterThan(5);
  });

  it('stops nothing more once interrupted: every path with an interrupt ends with the rest not attempted', () => {
    for (const input of Object.values(inputs)) {
      for (const path of pathsFor(input)) {
        if (path.state.status !== 'done') continue;
        const interrupted = path.steps.some((s) => s.event.type === 'run.interrupt');
        const out = path.state.output as DownOutput;
        expect(out.interrupted).toBe(interrupted);
        const index = path.steps.findIndex((s) => s.event.type === 'run.interrupt');
        if (!interrupted) {
          expect(out.notAttempted).toEqual([]);
          continue;
        }
        // Services not yet begun when the interrupt came are never stopped.
        const begunBefore = (path.steps[index]?.state.context as { index: number }).index;
        const rest = input.services.slice(begunBefore + 1).map((s) => s.name);
        for (const name of rest) expect(out.notAttempted).toContain(name);
      }
    }
  });
});
