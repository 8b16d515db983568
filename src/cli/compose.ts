/**
 * The single place that binds real adapters to the machines (STYLE.md), bottom-up: health →
 * service → stage / rollback / verification → deployment. Every promise actor passes its
 * `signal` down, so leaving a state cancels the command (process tree killed) or the request.
 */
import { access } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { fromPromise } from 'xstate';
import type { ResolvedPlan } from '../config/plan-types.js';
import { runCommand } from '../adapters/exec.js';
import { buildEnv } from '../adapters/env.js';
import { Masker } from '../core/mask.js';
import { measurePerformance } from '../adapters/performance.js';
import { runProbe } from '../adapters/probe.js';
import { startService, stopService } from '../adapters/process.js';
import { recordRelease } from '../state/releases.js';
import type {
  CommandOutcome,
  PerformanceInput,
  PerformanceOutcome,
  PrerequisiteReport,
  ProbeInput,
  ProbeOutcome,
  ProcessInfo,
  RunCommandInput,
  StartProcessInput,
  StopProcessInput,
} from '../machines/contracts.js';
import { deploymentMachine } from '../machines/deployment.machine.js';
import { healthMachine } from '../machines/health.machine.js';
import { monitorMachine } from '../machines/monitor.machine.js';
import { rollbackMachine } from '../machines/rollback.machine.js';
import { serviceMachine } from '../machines/service.machine.js';
import { stageMachine } from '../machines/stage.machine.js';
import { verificationMachine } from '../machines/verification.machine.js';
import { checkPrerequisites } from './prerequisites.js';

/** Everything the real effects need to know about this run. */
export interface EffectContext {
  plan: ResolvedPlan;
  deploymentId: string;
  stateDir: string;
  /** Secret values by name, read from the operator's environment (never journaled). */
  secrets: Record<string, string>;
  /** The operator's environment (prerequisite checks read secrets from it). */
  operatorEnv: NodeJS.ProcessEnv;
  /** Where one-shot commands write their full output. */
  logDir: string;
}

/** The effect actors the machines name, as plain async functions. */
export interface Effects {
  runCommand(input: RunCommandInput, signal: AbortSignal): Promise<CommandOutcome>;
  runProbe(input: ProbeInput, signal: AbortSignal): Promise<ProbeOutcome>;
  measurePerformance(input: PerformanceInput, signal: AbortSignal): Promise<PerformanceOutcome>;
  startProcess(input: StartProcessInput): Promise<ProcessInfo>;
  stopProcess(input: StopProcessInput): Promise<{ stopped: boolean }>;
  checkFile(input: { path: string }): Promise<{ exists: boolean }>;
  checkPrerequisites(input: { plan: ResolvedPlan }): Promise<PrerequisiteReport>;
  recordRelease(input: { plan: ResolvedPlan; deploymentId: string }): Promise<{ release: string }>;
}

/** The variables every command and process gets: plan vars, ENV, the run id, secrets. */
export function commandVars(ctx: EffectContext): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const [k, v] of Object.entries(ctx.plan.vars)) vars[k] = v.value;
  vars.ENV = ctx.plan.environment;
  vars.STAGECRAFT_DEPLOYMENT_ID = ctx.deploymentId;
  return { ...vars, ...ctx.secrets };
}

const logName = (label: string): string => `${label.replace(/[^A-Za-z0-9._-]+/g, '_')}.log`;

/** The real effects, bound to adapters. */
export function realEffects(ctx: EffectContext): Effects {
  const vars = commandVars(ctx);
  const procOpts = { stateDir: ctx.stateDir, environment: ctx.plan.environment };
  // Secrets stop at this boundary: outcomes enter the machines' context (journaled, snapshotted).
  const masker = new Masker(Object.values(ctx.secrets));
  const mask = (text: string): string => masker.text(text);
  return {
    runCommand: async (input, signal) => {
      const logFile = join(ctx.logDir, logName(input.label));
      const out = await runCommand(input.command, {
        env: { ...vars, ...(input.env ?? {}) },
        timeoutMs: input.timeoutMs,
        signal,
        logFile,
        mask: masker,
      });
      if (!masker.active) return out;
      return {
        ...out,
        outputTail: mask(out.outputTail),
        ...(out.error === undefined ? {} : { error: mask(out.error) }),
      };
    },
    runProbe: async (input, signal) => {
      const out = await runProbe(input.probe, buildEnv(vars), signal);
      return !masker.active ? out : { ...out, detail: mask(out.detail) };
    },
    measurePerformance: (input, signal) => measurePerformance(input.performance, signal),
    startProcess: (input) =>
      startService(
        procOpts,
        input.service,
        input.command,
        { ...vars, ...(input.env ?? {}) },
        ctx.plan.secretNames,
      ),
    stopProcess: async (input) => {
      const r = await stopService(procOpts, input.service);
      return { stopped: r.stopped };
    },
    checkFile: async ({ path }) => {
      const full = isAbsolute(path) ? path : join(ctx.plan.configDir, path);
      return access(full).then(
        () => ({ exists: true }),
        () => ({ exists: false }),
      );
    },
    checkPrerequisites: ({ plan }) => checkPrerequisites(plan, ctx.operatorEnv),
    recordRelease: async ({ plan, deploymentId }) => {
      const perService: Record<string, Record<string, string>> = {};
      const plain: Record<string, string> = {};
      for (const [k, v] of Object.entries(plan.vars)) plain[k] = v.value;
      for (const name of plan.activationOrder) perService[name] = plain;
      const running = plan.activationOrder.filter((n) => plan.services[n]?.kind === 'process');
      const label = plan.vars.RELEASE?.value ?? deploymentId;
      await recordRelease(
        ctx.stateDir,
        plan.environment,
        {
          id: deploymentId,
          label,
          at: new Date().toISOString(),
          configHash: plan.configHash,
          vars: perService,
          running,
        },
        { secretNames: plan.secretNames, mask: masker },
      );
      return { release: label };
    },
  };
}

/** The effects as named promise actors, and the machines every composition shares. */
function bind(effects: Effects) {
  const actors = {
    runCommand: fromPromise<CommandOutcome, RunCommandInput>(({ input, signal }) =>
      effects.runCommand(input, signal),
    ),
    runProbe: fromPromise<ProbeOutcome, ProbeInput>(({ input, signal }) =>
      effects.runProbe(input, signal),
    ),
    measurePerformance: fromPromise<PerformanceOutcome, PerformanceInput>(({ input, signal }) =>
      effects.measurePerformance(input, signal),
    ),
    startProcess: fromPromise<ProcessInfo, StartProcessInput>(({ input }) =>
      effects.startProcess(input),
    ),
    stopProcess: fromPromise<{ stopped: boolean }, StopProcessInput>(({ input }) =>
      effects.stopProcess(input),
    ),
    checkFile: fromPromise<{ exists: boolean }, { path: string }>(({ input }) =>
      effects.checkFile(input),
    ),
    checkPrerequisites: fromPromise<PrerequisiteReport, { plan: ResolvedPlan }>(({ input }) =>
      effects.checkPrerequisites(input),
    ),
    recordRelease: fromPromise<{ release: string }, { plan: ResolvedPlan; deploymentId: string }>(
      ({ input }) => effects.recordRelease(input),
    ),
  };
  const health = healthMachine.provide({
    actors: { runProbe: actors.runProbe, measurePerformance: actors.measurePerformance },
  });
  const service = serviceMachine.provide({
    actors: {
      runCommand: actors.runCommand,
      startProcess: actors.startProcess,
      stopProcess: actors.stopProcess,
      health,
    },
  });
  const rollback = rollbackMachine.provide({
    actors: { serviceRollback: service, runCommand: actors.runCommand },
  });
  return { actors, health, service, rollback };
}

/**
 * The rollback machine with its effects bound to `effects`, exactly as a deployment's rollback
 * runs it: for `stagecraft rollback` and for `resume` of a deployment stopped while rolling back.
 */
export function composeRollback(effects: Effects) {
  return bind(effects).rollback;
}

/** The deployment machine with every named effect bound to `effects`, bottom-up. */
export function composeDeployment(effects: Effects) {
  const { actors, health, service, rollback } = bind(effects);
  const stage = stageMachine.provide({ actors: { service, runProbe: actors.runProbe } });
  const verification = verificationMachine.provide({
    actors: {
      runProbe: actors.runProbe,
      measurePerformance: actors.measurePerformance,
      checkFile: actors.checkFile,
    },
  });
  // Dependency monitoring: the same health machine, watching services once healthy.
  const monitor = monitorMachine.provide({ actors: { health } });
  return deploymentMachine.provide({
    actors: {
      monitor,
      checkPrerequisites: actors.checkPrerequisites,
      runCommand: actors.runCommand,
      recordRelease: actors.recordRelease,
      stage,
      rollback,
      verification,
    },
  });
}
