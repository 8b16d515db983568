/**
 * `deploy --dry-run`: the real statecharts walked with simulated effects. Every effect records
 * what it would do as a `dry-run.action` fact — in the same stream, and so in the same order, as
 * the facts a real run records — and succeeds at once; nothing is started, stopped or written.
 */
import type { CommandSpec, ResolvedPlan } from '../../config/plan-types.js';
import { count } from '../../core/plural.js';
import type { Effects } from '../../machines/effects.js';
import type { Recorder } from '../compose.js';

const show = (c: CommandSpec): string =>
  typeof c.run === 'string' ? c.run : JSON.stringify(c.run);

/** Effects that describe themselves through `record` and succeed. */
export function dryRunEffects(plan: ResolvedPlan, record: Recorder): Effects {
  const say = (text: string): void => record({ type: 'dry-run.action', text });
  return {
    runCommand: (input) => {
      say(`run ${input.label}: ${show(input.command)}`);
      return Promise.resolve({
        exitCode: 0,
        durationMs: 0,
        timedOut: false,
        canceled: false,
        outputTail: '',
      });
    },
    runProbe: (input) => {
      say(`probe ${input.label}: ${input.probe.label}`);
      return Promise.resolve({ ok: true, detail: 'simulated', durationMs: 0 });
    },
    measurePerformance: (input) => {
      say(
        `measure ${input.label}: p95 of ${input.performance.samples} GET ${input.performance.url} ≤ ${input.performance.p95Ms} ms`,
      );
      return Promise.resolve({
        ok: true,
        p95Ms: 0,
        samples: input.performance.samples,
        failures: 0,
        detail: 'simulated',
      });
    },
    startProcess: (input) => {
      say(
        `start process ${input.service}: ${show(input.command)} (stopping its previous instance first)`,
      );
      return Promise.resolve({ pid: 0, logFile: '(dry run)', startedAt: Date.now() });
    },
    stopProcess: (input) => {
      say(`stop process ${input.service}`);
      return Promise.resolve({ stopped: true });
    },
    checkFile: ({ path }) => {
      say(`check file ${path}`);
      return Promise.resolve({ exists: true });
    },
    checkPrerequisites: () => {
      const p = plan.prerequisites;
      const n =
        p.software.length + p.network.length + p.security.secrets.length + p.security.files.length;
      say(`check ${count(n, 'prerequisite')}${p.hardware ? ' and hardware' : ''}`);
      return Promise.resolve({ ok: true, checks: [] });
    },
    recordRelease: ({ plan: pl, deploymentId }) => {
      say(`record release ${pl.vars.RELEASE?.value ?? deploymentId} for ${pl.environment}`);
      return Promise.resolve({ release: 'dry-run' });
    },
    watchProbe: () => new Promise<void>(() => undefined),
  };
}

/** Where an operator would be asked, and what a failure in each stage would roll back. */
export function dryRunSummary(plan: ResolvedPlan, step: boolean): string[] {
  const out: string[] = ['confirmation points (interactive runs):'];
  const gates = plan.stages.filter((s) => s.confirm || plan.confirmStages || step);
  for (const s of gates) out.push(`  before stage ${s.name}: proceed | skip stage | abort`);
  if (gates.length === 0) out.push('  none (use --step to confirm every stage)');
  out.push(`rollback paths (policy.onFailure: ${plan.policy.onFailure}):`);
  const activated: string[] = [];
  const cleanups = [...plan.prepare]
    .reverse()
    .filter((p) => p.cleanup)
    .map((p) => `cleanup ${p.name}`);
  for (const s of plan.stages) {
    activated.push(...s.services);
    const order = [...activated].reverse();
    const where = s.implicit ? 'a failure' : `failure in stage ${s.name}`;
    out.push(`  ${where}: roll back ${[...order, ...cleanups].join(' → ') || 'nothing'}`);
  }
  return out;
}
