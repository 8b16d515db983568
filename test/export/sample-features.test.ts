import { describe, expect, it } from 'vitest';
import { exportMachine } from '../../src/export/index.js';
import { machineModel } from '../../src/export/model.js';
import { sampleMachine } from '../fixtures/machines/sample.machine.js';
import { definitionOf } from './definition.js';

describe('the sample machine fixture', () => {
  it('has every feature the exporters must handle, so the format tests are not vacuous', () => {
    const def = definitionOf(sampleMachine);
    expect(new Set(def.states.map((s) => s.type))).toEqual(
      new Set(['atomic', 'compound', 'parallel', 'final', 'history']),
    );
    const events = def.transitions.map((t) => t.eventType);
    expect(events).toContain('');
    expect(events.some((e) => e.startsWith('xstate.after.'))).toBe(true);
    expect(events.some((e) => e.startsWith('xstate.done.actor.'))).toBe(true);
    expect(events.some((e) => e.startsWith('xstate.error.actor.'))).toBe(true);
    expect(events.some((e) => e.startsWith('xstate.done.state.'))).toBe(true);
    expect(def.transitions.some((t) => t.targets.length === 0)).toBe(true);
    expect(def.transitions.some((t) => t.targets.length > 1)).toBe(true);
    expect(def.transitions.some((t) => t.guarded)).toBe(true);
  });
});

describe('labels read from the definition', () => {
  const labels = machineModel(sampleMachine).transitions.map((t) => t.label);

  it('names delays in config units, named delays with their value, and higher-order guards in words', () => {
    expect(labels).toEqual(
      expect.arrayContaining([
        'job.start [isOnline]',
        'job.start [not isOnline]',
        'after 5s',
        'after retryDelay (1.5s) [hasBudget]',
        'always [isOnline and canRetry]',
        'onDone(fetch)',
        'onError(fetch)',
        'onDone',
        'net.up [inline guard]',
      ]),
    );
  });

  it('maps delays, history and invokes to SCXML the W3C way', async () => {
    const xml = await exportMachine(sampleMachine, 'sample', 'scxml');
    expect(xml).toContain(
      '<send event="xstate.after.5000.sample.waiting" id="xstate.after.5000.sample.waiting" delay="5000ms"/>',
    );
    expect(xml).toContain('<cancel sendid="xstate.after.5000.sample.waiting"/>');
    expect(xml).toContain('<history id="sample.running.net.deepHist" type="deep">');
    expect(xml).toContain('<invoke type="xstate" id="fetch" src="fetchJob"/>');
    expect(xml).toContain(
      '<transition cond="isOnline and canRetry" target="sample.running.work.done"/>',
    );
  });

  it('shows history as H / H* pseudo states and invoked actors as notes in Mermaid', async () => {
    const text = await exportMachine(sampleMachine, 'sample', 'mermaid');
    expect(text).toContain('state "H hist" as sample_running_work_hist');
    expect(text).toContain('state "H* deepHist" as sample_running_net_deepHist');
    expect(text).toContain(
      'note right of sample_running_work_fetching : invoke fetchJob (id fetch)',
    );
    expect(text).toMatch(/^\s+--$/m);
  });
});
