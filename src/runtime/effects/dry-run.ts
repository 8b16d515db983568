/**
 * `deploy --dry-run`: the real statecharts walked with simulated effects, as the interactive run
 * (or, with `--yes`, as the run that asks nothing). Every effect records what it would do as a
 * `dry-run.action` fact — in the same stream, and so in the same order, as the facts a real run
 * records — and succeeds at once; nothing is started, stopped or written. Each prompt the
 * statechart asks (the live run's prompt, with its choices) is recorded and answered by the dry
 * run: proceed at a stage, else the prompt's default.
 */
import type { CommandSpec, ResolvedPlan } from '../../config/plan-types.js';
import { count } from '../../core/plural.js';
import type { Effects } from '../../machines/effects.js';
import { choiceToEvent } from '../../record/decisions.js';
import type { PendingDecision } from '../../record/facts.js';
import type { Recorder } from '../compose.js';
import type { Present } from '../driver.js';

const show = (c: CommandSpec): string =>
  (typeof c.run === 'string' ? c.run : JSON.stringify(c.run)) +
  (c.host === undefined
    ? ''
    : ` on ${c.host.name} (${c.host.user}@${c.host.address}:${c.host.port}, over SSH)`);

/** Effects that describe themselves through `record` and succeed. */
export function dryRunEffects(plan: ResolvedPlan, record: Recorder): Effects {
  const say = (text: string): void => record({ type: 'dry-run.action', text });
  return {
    report: ({ outcome }) => {
      const m = plan.monitoring;
      if (m?.metrics?.pushgateway !== undefined)
        say(`push metrics to the Pushgateway ${m.metrics.pushgateway} (job ${m.metrics.job})`);
      if (m?.metrics?.textfile !== undefined)
        say(`write the metrics textfile ${m.metrics.textfile}`);
      if (m?.alerts !== undefined)
        say(`fire or resolve alerts at the Alertmanager ${m.alerts.alertmanager}`);
      for (const t of plan.notify ?? [])
        say(
          `notify ${t.name} (${t.kind}) when the result is ${outcome.result}, if it asked for it`,
        );
      return Promise.resolve({ warnings: [] });
    },
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
      const host = input.probe.kind === 'command' ? input.probe.command?.host : undefined;
      say(
        `probe ${input.label}: ${input.probe.label}${host === undefined ? '' : ` on ${host.name}`}`,
      );
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
    // Nothing is started, so nothing exits and no port is taken by it.
    watchProcess: () => new Promise(() => undefined),
    checkPort: () => Promise.resolve({ taken: false }),
    observeProcess: (input) =>
      Promise.resolve({ observed: { pid: input.process.pid, alive: true } }),
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

/**
 * The presentation of a dry run: `present`, plus the dry run's answer to every prompt (after the
 * presenter has shown it). The prompts asked are collected in `asked`, in order.
 */
export function answeringPresent(present: Present, asked: PendingDecision[]): Present {
  return async (source, run) => {
    const presenter = await present(source, run);
    const unsubscribe = source.subscribe((f) => {
      if (f.type !== 'decision.requested') return;
      asked.push(f.decision);
      const d = f.decision;
      source.send(
        choiceToEvent(d.kind === 'confirm-stage' ? 'proceed' : d.defaultChoice, 'dry-run'),
      );
    });
    return {
      finish: () => {
        unsubscribe();
        return presenter.finish();
      },
    };
  };
}

/**
 * Where an operator was asked (`asked`, as the dry run walked; none with `--yes`), and what a
 * failure in each stage would roll back.
 */
export function dryRunSummary(
  plan: ResolvedPlan,
  asked: readonly PendingDecision[],
  yes: boolean,
): string[] {
  if (yes)
    return [
      'confirmation points: none (--yes proceeds at every stage without asking)',
      ...rollbackPaths(plan),
    ];
  const out: string[] = ['confirmation points (interactive runs):'];
  const gates = asked.filter((d) => d.kind === 'confirm-stage');
  for (const d of gates)
    out.push(`  before stage ${d.subject}: ${d.choices.join(' | ')} (default ${d.defaultChoice})`);
  if (gates.length === 0) out.push('  none (use --step to confirm every stage)');
  return [...out, ...rollbackPaths(plan)];
}

/** What a failure in each stage would roll back. */
function rollbackPaths(plan: ResolvedPlan): string[] {
  const out: string[] = [];
  out.push(`rollback paths (policy.onFailure: ${plan.policy.onFailure}):`);
  const activated: string[] = [];
  const cleanups = [...plan.prepare]
    .reverse()
    .filter((p) => p.cleanup)
    .map((p) => `cleanup ${p.name}`);
  for (const s of plan.stages) {
    for (const name of s.services) activated.push(name); // not push(...): large stages overflow the stack
    const order = [...activated].reverse();
    const where = s.implicit ? 'a failure' : `failure in stage ${s.name}`;
    out.push(`  ${where}: roll back ${[...order, ...cleanups].join(' → ') || 'nothing'}`);
  }
  return out;
}
