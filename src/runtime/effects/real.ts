/**
 * The real effects: the effects contract bound to the adapters for one run. Every promise actor
 * passes its `signal` down, so leaving a state kills the command's process tree or aborts the
 * request. Secrets stop at this boundary: outcomes enter the statecharts (and the journal) masked.
 */
import { access } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { buildEnv } from '../../adapters/env.js';
import { runCommand } from '../../adapters/exec.js';
import { measurePerformance } from '../../adapters/performance.js';
import { whenListening } from '../../adapters/port-watch.js';
import { runProbe } from '../../adapters/probe.js';
import { startService, stopService } from '../../adapters/process.js';
import type { ResolvedPlan, ServiceChecks } from '../../config/plan-types.js';
import type { Masker } from '../../core/mask.js';
import { own } from '../../core/own.js';
import type { Effects } from '../../machines/effects.js';
import { statePaths } from '../../state/layout.js';
import type { Store } from '../../state/store.js';
import type { RunGate } from '../gate.js';
import { checkPrerequisites } from '../prerequisites.js';
import { processEffects } from './process-effects.js';
import { probePort } from './probe-port.js';
import { hostOf, remoteEffects, sshPool } from './remote.js';

/** Everything the real effects need to know about this run. */
export interface RunContext {
  plan: ResolvedPlan;
  deploymentId: string;
  stateDir: string;
  /** Where releases are recorded (the state directory or the team's database); none: no run. */
  store?: Store;
  /** Secret values by name, read from the operator's environment (never journaled). */
  secrets: Record<string, string>;
  mask: Masker;
  /** The operator's environment (prerequisite checks read secrets from it). */
  operatorEnv: NodeJS.ProcessEnv;
  /** Where one-shot commands write their full output. */
  logDir: string;
  /** Closed when the environment lock is lost: nothing that changes the world starts after. */
  gate?: RunGate;
  /** Why the deploy lock on the fleet's first host could not be taken: phase 1 fails with it. */
  hostLockProblem?: { host: string; error: string };
}

/** The variables every command and process gets: plan vars, ENV, the run id, secrets. */
export function commandVars(
  ctx: Pick<RunContext, 'plan' | 'deploymentId' | 'secrets'>,
): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const [k, v] of Object.entries(ctx.plan.vars)) vars[k] = v.value;
  vars.ENV = ctx.plan.environment;
  vars.STAGECRAFT_DEPLOYMENT_ID = ctx.deploymentId;
  return { ...vars, ...ctx.secrets };
}

/** The real effects of one run, behind its gate when it has one. */
export function realEffects(ctx: RunContext): Effects {
  const effects = ungatedEffects(ctx);
  const gate = ctx.gate;
  if (gate === undefined) return effects;
  return {
    ...effects,
    runCommand: (input, signal) => gate.pass(() => effects.runCommand(input, signal), signal),
    startProcess: (input, signal) => gate.pass(() => effects.startProcess(input, signal), signal),
    stopProcess: (input, signal) => gate.pass(() => effects.stopProcess(input, signal), signal),
    recordRelease: (input, signal) => gate.pass(() => effects.recordRelease(input, signal), signal),
  };
}

function ungatedEffects(ctx: RunContext): Effects {
  const vars = commandVars(ctx);
  const probeEnv = buildEnv(vars);
  const procOpts = {
    stateDir: ctx.stateDir,
    environment: ctx.plan.environment,
    projectDir: ctx.plan.configDir,
  };
  const { mask } = ctx;
  const remote = remoteEffects({
    plan: ctx.plan,
    vars,
    mask,
    logFile: (label) => statePaths.commandLog(ctx.logDir, label),
  });
  const local = processEffects(procOpts, mask);
  return {
    runCommand: async (input, signal) => {
      const host = input.command.host;
      if (host !== undefined) return remote.runCommand(input.command, input, signal);
      const out = await runCommand(input.command, {
        env: { ...vars, ...(input.env ?? {}) },
        timeoutMs: input.timeoutMs,
        signal,
        logFile: statePaths.commandLog(ctx.logDir, input.label),
        mask,
        owner: { deploymentId: ctx.deploymentId, step: input.label },
      });
      if (!mask.active) return out;
      return {
        ...out,
        outputTail: mask.text(out.outputTail),
        ...(out.error === undefined ? {} : { error: mask.text(out.error) }),
      };
    },
    runProbe: async (input, signal) => {
      const out =
        input.probe.kind === 'command' && input.probe.command?.host !== undefined
          ? await remote.runProbe(input.probe, signal)
          : await runProbe(input.probe, probeEnv, signal);
      return mask.active ? { ...out, detail: mask.text(out.detail) } : out;
    },
    measurePerformance: (input, signal) => measurePerformance(input.performance, signal),
    startProcess: (input) =>
      input.command.host !== undefined
        ? remote.startProcess(input.service, input.command, input.env, input.command.host)
        : startService(
            procOpts,
            input.service,
            input.command,
            { ...vars, ...(input.env ?? {}) },
            ctx.plan.secretNames,
          ),
    stopProcess: async (input) => {
      const host = hostOf(ctx.plan, input.service);
      if (host !== undefined) return remote.stopProcess(input.service, host);
      const r = await stopService(procOpts, input.service);
      return {
        stopped: r.stopped,
        ...(r.pid === undefined ? {} : { pid: r.pid }),
        ...(r.refused === undefined ? {} : { refused: r.refused }),
      };
    },
    watchProcess: (input, signal) => {
      const host = hostOf(ctx.plan, input.service);
      return host === undefined
        ? local.watchProcess(input, signal)
        : remote.watchProcess(input.service, input.process, host, signal);
    },
    // The port of a service on a host is that host's: nothing to check from here.
    checkPort: (input, signal) =>
      hostOf(ctx.plan, input.service) === undefined
        ? local.checkPort(input, signal)
        : Promise.resolve({ taken: false }),
    observeProcess: (input, signal) => {
      const host = hostOf(ctx.plan, input.service);
      return host === undefined
        ? local.observeProcess(input, signal)
        : remote.observeProcess(input.service, input.process, host);
    },
    checkFile: async ({ path }) => {
      const full = isAbsolute(path) ? path : join(ctx.plan.configDir, path);
      return access(full).then(
        () => ({ exists: true }),
        () => ({ exists: false }),
      );
    },
    // The hosts in use are checked too, over the run's own connections, before anything changes.
    checkPrerequisites: async ({ plan }, signal) => {
      const report = await checkPrerequisites(plan, ctx.operatorEnv, signal, { pool: sshPool() });
      const problem = ctx.hostLockProblem;
      if (problem === undefined) return report;
      // No deployment runs without the fleet's deploy lock, even if the host answers now.
      const check = {
        category: 'security' as const,
        name: `${problem.host}: deploy lock`,
        ok: false,
        detail: problem.error,
      };
      return { ok: false, checks: [...report.checks, check] };
    },
    recordRelease: async ({ plan, deploymentId, skipped }) => {
      const perService: Record<string, Record<string, string>> = {};
      const checks: Record<string, ServiceChecks> = {};
      const plain: Record<string, string> = {};
      for (const [k, v] of Object.entries(plan.vars)) plain[k] = v.value;
      for (const name of plan.activationOrder) {
        perService[name] = plain;
        const s = own(plan.services, name);
        if (s !== undefined)
          checks[name] = {
            ...(s.health === undefined ? {} : { health: s.health }),
            readiness: s.readiness,
            ...(s.performance === undefined ? {} : { performance: s.performance }),
          };
      }
      const running = plan.activationOrder.filter(
        (n) => own(plan.services, n)?.kind === 'process' && !skipped.includes(n),
      );
      const label = plan.vars.RELEASE?.value ?? deploymentId;
      if (ctx.store === undefined) throw new Error('a release is recorded only by a run');
      await ctx.store.recordRelease(
        plan.environment,
        {
          id: deploymentId,
          label,
          at: new Date().toISOString(),
          configHash: plan.configHash,
          vars: perService,
          running,
          checks,
          ...(skipped.length === 0 ? {} : { skipped }),
        },
        { secretNames: plan.secretNames, mask },
      );
      return { release: label };
    },
    watchProbe: ({ probe }, signal) => {
      const target = probePort(probe);
      return target === undefined
        ? new Promise<void>(() => undefined)
        : whenListening(target.host, target.port, signal);
    },
  };
}
