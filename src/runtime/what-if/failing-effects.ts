/**
 * The simulated effects of a what-if: the dry run's effects (they describe themselves and
 * succeed), except where the chosen service fails at the chosen point. Nothing is run, started,
 * written or sent.
 */
import type { ProbeSpec, ResolvedPlan } from '../../config/plan-types.js';
import type { Effects } from '../../machines/effects.js';
import type { Fact } from '../../record/facts.js';
import type { Recorder } from '../compose.js';
import { dryRunEffects } from '../effects/dry-run.js';

/** Where a what-if makes its service fail. */
export type FailurePoint = 'activating' | 'health' | 'verify' | 'rollback';

/** Every failure point, in the order a deployment reaches them. */
export const failurePoints: readonly FailurePoint[] = [
  'activating',
  'health',
  'verify',
  'rollback',
];

/** An effect the walk ran, with the variables it overrode (the previous release's, in a rollback). */
export interface SimulatedEffect {
  label: string;
  env?: Record<string, string>;
  failed: boolean;
}

const key = (p: ProbeSpec): string => JSON.stringify(p);

/** The checks that fail at `verify`: the service's stage verify checks, integration, readiness. */
export function verifyFailures(plan: ResolvedPlan, service: string): string[] {
  const spec = plan.services[service];
  const stage = plan.stages.find((s) => s.name === spec?.stage);
  return [
    ...(stage?.verify ?? []).map((c) => `stage.${stage?.name ?? ''}.verify.${c.name}`),
    ...plan.integration.map((c) => `integration.${c.name}`),
    ...(spec?.readiness ?? []).map((p) => `readiness ${p.label}`),
  ];
}

/** Failing effects, and what they must see of the run (a rollback began: nothing fails then but the rollback step). */
interface Failing {
  effects: Effects;
  observe(fact: Fact): void;
}

/**
 * The dry run's effects, with `service` failing at `when` (`rollback`: at activation, and then
 * its rollback step too). `ran` receives every command and process start, in order.
 */
export function failingEffects(
  plan: ResolvedPlan,
  record: Recorder,
  service: string,
  when: FailurePoint,
  ran: (effect: SimulatedEffect) => void,
): Failing {
  let rollingBack = false;
  const observe = (fact: Fact): void => {
    if (fact.type === 'rollback.started') rollingBack = true;
  };
  const recordFact = record;
  const base = dryRunEffects(plan, recordFact);
  const spec = plan.services[service];
  const failHealth = new Set(when === 'health' && spec?.health ? [key(spec.health)] : []);
  const failReadiness = new Set(when === 'verify' ? (spec?.readiness ?? []).map(key) : []);
  const failLabels = new Set(when === 'verify' ? verifyFailures(plan, service) : []);
  const failsActivation = when === 'activating' || when === 'rollback';
  const say = (text: string): void => recordFact({ type: 'dry-run.action', text });
  const failed = { exitCode: 1, durationMs: 0, timedOut: false, canceled: false };
  const effects: Effects = {
    ...base,
    runCommand: (input, signal) => {
      const failing =
        (failsActivation && !rollingBack && input.label === `${service}.activate`) ||
        (when === 'rollback' && rollingBack && input.label === `${service}.rollback`);
      ran({ label: input.label, ...(input.env ? { env: input.env } : {}), failed: failing });
      if (!failing) return base.runCommand(input, signal);
      say(`run ${input.label}: fails (simulated, exit 1)`);
      return Promise.resolve({ ...failed, outputTail: 'simulated failure' });
    },
    startProcess: (input, signal) => {
      const failing =
        input.service === service &&
        ((failsActivation && !rollingBack) || (when === 'rollback' && rollingBack));
      ran({
        label: `${input.service}.start`,
        ...(input.env ? { env: input.env } : {}),
        failed: failing,
      });
      if (!failing) return base.startProcess(input, signal);
      say(`start process ${input.service}: fails (simulated)`);
      return Promise.reject(new Error(`${input.service} did not start (simulated failure)`));
    },
    runProbe: (input, signal) => {
      const k = key(input.probe);
      const failing =
        (failHealth.has(k) && !rollingBack) ||
        (failReadiness.has(k) && !rollingBack) ||
        failLabels.has(input.label);
      if (!failing) return base.runProbe(input, signal);
      say(`probe ${input.label}: fails (simulated)`);
      return Promise.resolve({ ok: false, detail: 'simulated failure', durationMs: 0 });
    },
  };
  return { effects, observe };
}
