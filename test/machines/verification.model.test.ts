/**
 * Model-based tests of the verification machine: paths from `xstate/graph` reach every settled
 * state of its definition, and every finished path's output is consistent with its findings.
 */
import { describe, expect, it } from 'vitest';
import type { AnyEventObject, SnapshotFrom } from 'xstate';
import { TestModel } from 'xstate/graph';
import {
  verificationMachine,
  type ReadinessFinding,
  type VerificationInput,
} from '../../src/machines/verification/index.js';
import { check, readiness } from './verification-harness.js';

/** A failing critical finding is not ready; failing warnings only warn. */
const expectedVerdict = (findings: ReadinessFinding[]) =>
  findings.some((f) => !f.ok && f.severity === 'critical')
    ? 'not-ready'
    : findings.some((f) => !f.ok)
      ? 'ready-with-warnings'
      : 'ready';

type Snap = SnapshotFrom<typeof verificationMachine>;

interface NodeLike {
  key: string;
  states: Record<string, NodeLike>;
  always?: unknown[];
}
const nodes = (n: NodeLike): NodeLike[] => Object.values(n.states).flatMap((c) => [c, ...nodes(c)]);
const all = nodes(verificationMachine.root);
const settled = all.filter((n) => !(n.always && n.always.length > 0)).map((n) => n.key);

const probeOutcome = (ok: boolean) => ({ ok, detail: ok ? 'exit 0' : 'exit 1', durationMs: 1 });
const eventsByState: Record<string, AnyEventObject[]> = {
  integration: [
    { type: 'xstate.done.actor.integration', output: probeOutcome(true) },
    { type: 'xstate.done.actor.integration', output: probeOutcome(false) },
    { type: 'xstate.error.actor.integration', error: new Error('crashed') },
  ],
  readinessProbe: [
    { type: 'xstate.done.actor.readiness', output: probeOutcome(true) },
    { type: 'xstate.done.actor.readiness', output: probeOutcome(false) },
    { type: 'xstate.error.actor.readiness', error: new Error('crashed') },
  ],
  readinessPerformance: [
    {
      type: 'xstate.done.actor.readiness',
      output: { ok: true, p95Ms: 10, samples: 5, failures: 0, detail: '' },
    },
    {
      type: 'xstate.done.actor.readiness',
      output: { ok: false, p95Ms: 900, samples: 5, failures: 0, detail: '' },
    },
  ],
  readinessFile: [
    { type: 'xstate.done.actor.readiness', output: { exists: true } },
    { type: 'xstate.done.actor.readiness', output: { exists: false } },
  ],
};

const input: VerificationInput = {
  integration: [check('e2e'), check('smoke')],
  readiness: [
    readiness.probe('alerts', 'critical'),
    readiness.performance('p95', 'warning'),
    readiness.file('runbook', '/r/RUNBOOK.md', 'warning'),
  ],
};

describe('verification model', () => {
  // createTestModel refuses machines with invokes; TestModel traverses them (actors never run).
  const model = new TestModel(verificationMachine, {
    events: (s: Snap) => eventsByState[s.value] ?? [],
    serializeState: (s: Snap) => JSON.stringify([s.value, s.context]),
    input,
  });
  const paths = model.getShortestPaths({ input, limit: 5000 });
  const visited = paths.flatMap((p) => p.steps.map((s) => s.state));

  it('reaches every settled state of the definition', () => {
    expect([...new Set(visited.map((s) => s.value as string))].sort()).toEqual([...settled].sort());
  });

  it('finishes every way with an output that matches its checks', () => {
    const finals = visited.filter((s) => s.status === 'done');
    const verdicts = new Set(finals.map((f) => f.output?.readiness));
    expect([...verdicts].sort()).toEqual(['not-ready', 'ready', 'ready-with-warnings']);
    for (const f of finals) {
      const out = f.output;
      if (out === undefined) throw new Error('a final state without output');
      expect(out.integration.ok).toBe(out.integration.failures.length === 0);
      if (out.integration.ok) {
        expect(out.findings.map((x) => x.name)).toEqual(['alerts', 'p95', 'runbook']);
        expect(out.readiness).toBe(expectedVerdict(out.findings));
      } else {
        expect(out).toMatchObject({ readiness: 'not-ready', findings: [] });
      }
    }
  });
});
