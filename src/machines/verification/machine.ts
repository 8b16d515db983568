/**
 * The verification statechart: cross-service integration checks in
 * order, then production-readiness checks (probe, p95 performance, file) → findings and a verdict.
 * Pure: `runProbe`, `measurePerformance` and `checkFile` are named actors bound by compose.
 */
import { setup } from 'xstate';
import { compositeFor } from '../composite.js';
import type { CheckSpec, ReadinessCheckSpec } from '../../config/plan-types.js';
import type { Fact } from '../../record/facts.js';
import { stubActors, type PerformanceOutcome, type ProbeOutcome } from '../effects.js';
import { readinessVerdict, type ReadinessFinding, type ReadinessVerdict } from './readiness.js';

/** Input of {@link verificationMachine}. */
export interface VerificationInput {
  integration: CheckSpec[];
  readiness: ReadinessCheckSpec[];
}

/** What verification found. Readiness is skipped (`not-ready`, no findings) when integration failed. */
export interface VerificationOutput {
  integration: { ok: boolean; failures: Array<{ name: string; detail: string }> };
  readiness: ReadinessVerdict;
  findings: ReadinessFinding[];
}

/** Plain, serialisable context. */
export interface VerificationContext {
  integration: CheckSpec[];
  readiness: ReadinessCheckSpec[];
  integrationIndex: number;
  readinessIndex: number;
  failures: Array<{ name: string; detail: string }>;
  findings: ReadinessFinding[];
}

type Done = { type: string; output?: unknown; error?: unknown };

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** The result of the current check, from its actor's done or error event. */
function outcomeOf(
  c: VerificationContext,
  event: Done,
  phase: 'integration' | 'readiness',
): { ok: boolean; detail: string } {
  if (event.type.startsWith('xstate.error.'))
    return { ok: false, detail: `check failed to run: ${errorText(event.error)}` };
  if (phase === 'integration') return event.output as ProbeOutcome;
  const spec = c.readiness[c.readinessIndex];
  if (spec?.file !== undefined) {
    const exists = (event.output as { exists: boolean }).exists;
    return { ok: exists, detail: exists ? `${spec.file} exists` : `${spec.file} not found` };
  }
  if (spec?.performance !== undefined) {
    const p = event.output as PerformanceOutcome;
    const detail = p.detail || `p95 ${p.p95Ms} ms (limit ${spec.performance.p95Ms} ms)`;
    return { ok: p.ok, detail };
  }
  return event.output as ProbeOutcome;
}

const current = (c: VerificationContext): ReadinessCheckSpec | undefined =>
  c.readiness[c.readinessIndex];

const composite = compositeFor<
  VerificationContext,
  { type: string },
  { type: 'record'; params: Fact }
>();

/** The verification machine. */
export const verificationMachine = setup({
  types: {
    input: {} as VerificationInput,
    context: {} as VerificationContext,
    output: {} as VerificationOutput,
  },
  actors: {
    runProbe: stubActors.runProbe,
    measurePerformance: stubActors.measurePerformance,
    checkFile: stubActors.checkFile,
  },
  guards: {
    hasIntegration: ({ context }) => context.integrationIndex < context.integration.length,
    integrationFailed: ({ context }) => context.failures.length > 0,
    nextIsProbe: ({ context }) => current(context)?.probe !== undefined,
    nextIsPerformance: ({ context }) => current(context)?.performance !== undefined,
    nextIsFile: ({ context }) => current(context)?.file !== undefined,
    hasReadiness: ({ context }) => context.readinessIndex < context.readiness.length,
  },
  actions: {
    /** Recorded facts go to the runtime's journal (bound by compose). */
    record: (_, _fact: Fact) => undefined,
    recordIntegration: composite(({ context, event, enqueue }) => {
      const check = context.integration[context.integrationIndex];
      const name = check?.name ?? '?';
      const { ok, detail } = outcomeOf(context, event, 'integration');
      enqueue.assign({
        integrationIndex: context.integrationIndex + 1,
        failures: ok ? context.failures : [...context.failures, { name, detail }],
      });
      enqueue({
        type: 'record',
        params: { type: 'check', phase: 'integration', name, ok, detail },
      });
    }),
    recordFinding: composite(({ context, event, enqueue }) => {
      const spec = current(context);
      const name = spec?.name ?? '?';
      const { ok, detail } = spec
        ? (spec.probe ?? spec.performance ?? spec.file)
          ? outcomeOf(context, event, 'readiness')
          : { ok: false, detail: 'no check defined (expected probe, performance or file)' }
        : { ok: false, detail: 'unknown check' };
      const finding: ReadinessFinding = {
        name,
        category: spec?.category ?? 'operational',
        severity: spec?.severity ?? 'critical',
        ok,
        detail,
      };
      enqueue.assign({
        readinessIndex: context.readinessIndex + 1,
        findings: [...context.findings, finding],
      });
      enqueue({
        type: 'record',
        params: {
          type: 'check',
          phase: 'readiness',
          name,
          ok,
          detail,
          severity: finding.severity,
          category: finding.category,
        },
      });
    }),
  },
}).createMachine({
  id: 'verification',
  context: ({ input }) => ({
    integration: input.integration,
    readiness: input.readiness,
    integrationIndex: 0,
    readinessIndex: 0,
    failures: [],
    findings: [],
  }),
  initial: 'next',
  states: {
    /** Routing: the next integration check, else (if all passed) the next readiness check, else done. */
    next: {
      always: [
        { guard: 'hasIntegration', target: 'integration' },
        { guard: 'integrationFailed', target: 'done' },
        { guard: 'nextIsProbe', target: 'readinessProbe' },
        { guard: 'nextIsPerformance', target: 'readinessPerformance' },
        { guard: 'nextIsFile', target: 'readinessFile' },
        // A readiness check with nothing to check (a config bug) is a failing finding.
        { guard: 'hasReadiness', target: 'next', reenter: true, actions: 'recordFinding' },
        { target: 'done' },
      ],
    },
    integration: {
      invoke: {
        id: 'integration',
        src: 'runProbe',
        input: ({ context }) => {
          const check = context.integration[context.integrationIndex]!;
          return { label: `integration.${check.name}`, probe: check.probe };
        },
        onDone: { target: 'next', actions: 'recordIntegration' },
        onError: { target: 'next', actions: 'recordIntegration' },
      },
    },
    readinessProbe: {
      invoke: {
        id: 'readiness',
        src: 'runProbe',
        input: ({ context }) => ({
          label: `readiness.${current(context)!.name}`,
          probe: current(context)!.probe!,
        }),
        onDone: { target: 'next', actions: 'recordFinding' },
        onError: { target: 'next', actions: 'recordFinding' },
      },
    },
    readinessPerformance: {
      invoke: {
        id: 'readiness',
        src: 'measurePerformance',
        input: ({ context }) => ({
          label: `readiness.${current(context)!.name}`,
          performance: current(context)!.performance!,
        }),
        onDone: { target: 'next', actions: 'recordFinding' },
        onError: { target: 'next', actions: 'recordFinding' },
      },
    },
    readinessFile: {
      invoke: {
        id: 'readiness',
        src: 'checkFile',
        input: ({ context }) => ({ path: current(context)!.file! }),
        onDone: { target: 'next', actions: 'recordFinding' },
        onError: { target: 'next', actions: 'recordFinding' },
      },
    },
    done: { type: 'final' },
  },
  output: ({ context }) => {
    const integrationOk = context.failures.length === 0;
    return {
      integration: { ok: integrationOk, failures: context.failures },
      readiness: integrationOk ? readinessVerdict(context.findings) : 'not-ready',
      findings: context.findings,
    };
  },
});
