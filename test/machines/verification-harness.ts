/**
 * Test harness for the verification machine: a collecting parent and fake effect actors whose
 * results the test scripts by label or path.
 */
import { createActor, fromPromise, waitFor, type AnyEventObject } from 'xstate';
import type { CheckSpec, ProbeSpec, ReadinessCheckSpec } from '../../src/config/plan-types.js';
import type {
  PerformanceInput,
  PerformanceOutcome,
  ProbeInput,
  ProbeOutcome,
} from '../../src/machines/contracts.js';
import {
  verificationMachine,
  type VerificationInput,
  type VerificationOutput,
} from '../../src/machines/verification.machine.js';
import { finishingParent } from './service-test-kit.js';

/** A command probe with the given label. */
export function probe(label: string): ProbeSpec {
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

/** Starts the verification machine under a collecting parent. */
export function startVerification(input: VerificationInput, script: VerificationScript = {}) {
  const calls: string[] = [];
  const sent: AnyEventObject[] = [];
  const machine = verificationMachine.provide({
    actors: {
      runProbe: fromPromise<ProbeOutcome, ProbeInput>(({ input }) => {
        calls.push(`probe ${input.label}`);
        if (script.throwProbes?.includes(input.label))
          return Promise.reject(new Error('adapter crashed'));
        const fail = script.failProbes?.[input.label];
        return Promise.resolve({ ok: fail === undefined, detail: fail ?? 'exit 0', durationMs: 3 });
      }),
      measurePerformance: fromPromise<PerformanceOutcome, PerformanceInput>(({ input }) => {
        calls.push(`performance ${input.label}`);
        const p95 = script.p95?.[input.label] ?? 100;
        const ok = p95 <= input.performance.p95Ms;
        return Promise.resolve({ ok, p95Ms: p95, samples: 5, failures: 0, detail: '' });
      }),
      checkFile: fromPromise<{ exists: boolean }, { path: string }>(({ input }) => {
        calls.push(`file ${input.path}`);
        return Promise.resolve({ exists: script.files?.includes(input.path) ?? false });
      }),
    },
  });
  const { parent, result } = finishingParent('verification', machine, input, sent);
  const actor = createActor(parent).start();
  return {
    actor,
    calls,
    sent,
    finished: async (): Promise<VerificationOutput> => {
      await waitFor(actor, (s) => s.matches('finished'), { timeout: 5000 });
      if (result.error !== undefined) throw result.error as Error;
      return result.output!;
    },
  };
}
