/**
 * Test harness for the verification machine: the real machine on fake effects whose results the
 * test scripts by label or path, and the checks it records.
 */
import { createActor, toPromise } from 'xstate';
import type { CheckSpec, ProbeSpec, ReadinessCheckSpec } from '../../src/config/plan-types.js';
import type {
  VerificationInput,
  VerificationOutput,
} from '../../src/machines/verification/index.js';
import { boundVerification } from './bound.js';
import { FakeEffects, type FakeScript } from './fake-effects.js';
import { recording } from './recording.js';

/** A command probe with the given label. */
function probe(label: string): ProbeSpec {
  return {
    kind: 'command',
    command: { run: label, cwd: '/tmp', env: {} },
    intervalMs: 1000,
    timeoutMs: 1000,
    retries: 1,
    successThreshold: 1,
    startPeriodMs: 0,
    label,
  };
}

/** An integration check. */
export const check = (name: string): CheckSpec => ({ name, probe: probe(`./${name}.sh`) });

/** Readiness checks of each kind. */
export const readiness = {
  probe: (name: string, severity: 'critical' | 'warning' = 'critical'): ReadinessCheckSpec => ({
    name,
    category: 'operational',
    severity,
    probe: probe(`./${name}.sh`),
  }),
  performance: (
    name: string,
    severity: 'critical' | 'warning' = 'critical',
  ): ReadinessCheckSpec => ({
    name,
    category: 'performance',
    severity,
    performance: { url: 'http://127.0.0.1:1/', samples: 5, p95Ms: 300, timeoutMs: 1000 },
  }),
  file: (
    name: string,
    file: string,
    severity: 'critical' | 'warning' = 'warning',
  ): ReadinessCheckSpec => ({
    name,
    category: 'documentation',
    severity,
    file,
  }),
};

export interface VerificationScript {
  /** Probe label → failing detail (others pass). */
  failProbes?: Record<string, string>;
  /** Probe labels whose actor throws. */
  throwProbes?: string[];
  /** Measured p95 per performance label (default 100). */
  p95?: Record<string, number>;
  /** Files that exist. */
  files?: string[];
}

/** Fake effects answering as `script` says; a p95 over the check's limit misses it. */
function effectsFor(input: VerificationInput, script: VerificationScript): FakeEffects {
  const probes: FakeScript['probes'] = {};
  for (const [label, detail] of Object.entries(script.failProbes ?? {}))
    probes[label] = [{ ok: false, detail, durationMs: 3 }];
  for (const label of script.throwProbes ?? []) probes[label] = [new Error('adapter crashed')];
  const performance: FakeScript['performance'] = {};
  for (const r of input.readiness) {
    if (r.performance === undefined) continue;
    const label = `readiness.${r.name}`;
    const p95Ms = script.p95?.[label] ?? 100;
    performance[label] = [
      { ok: p95Ms <= r.performance.p95Ms, p95Ms, samples: 5, failures: 0, detail: '' },
    ];
  }
  return new FakeEffects({ probes, performance, files: script.files ?? [] });
}

/** Starts the real verification machine, as the root, on fake effects. */
export function startVerification(input: VerificationInput, script: VerificationScript = {}) {
  const fx = effectsFor(input, script);
  const rec = recording();
  const actor = createActor(boundVerification(fx.effects, rec.record), { input });
  actor.start();
  return {
    actor,
    fx,
    rec,
    /** What ran, in order: `probe <label>`, `performance <label>`, `file <path>`. */
    calls: () => fx.log().map((k) => k.replace(':', ' ')),
    finished: (): Promise<VerificationOutput> => toPromise(actor),
  };
}
