/**
 * The real effects of instances placed on remote hosts: their commands, command probes and
 * `process` services run there over the run's SSH connections (one per host, shared). Variables
 * and secrets reach the host on the command's standard input only.
 */
import { commandProbeOutcome } from '../../adapters/command-probe.js';
import { SshPool } from '../../adapters/ssh/pool.js';
import { runRemoteCommand } from '../../adapters/ssh/remote-exec.js';
import {
  remoteAlive,
  remoteLogTail,
  startRemote,
  stopLeftoverCommands,
  stopRemote,
  type RemoteServiceRef,
} from '../../adapters/ssh/remote-process.js';
import type { CommandSpec, HostSpec, ProbeSpec, ResolvedPlan } from '../../config/plan-types.js';
import type { Masker } from '../../core/mask.js';
import { own } from '../../core/own.js';
import { hostsInUse } from '../hosts-in-use.js';
import type {
  CommandOutcome,
  ProbeOutcome,
  ProcessExit,
  ProcessInfo,
  ProcessSeen,
  StopOutcome,
} from '../../machines/effects.js';

let shared: SshPool | undefined;

/** The SSH connections of this process (opened on first use). */
export function sshPool(): SshPool {
  shared ??= new SshPool();
  return shared;
}

/** Closes every SSH connection of this process (bounded); the next use opens new ones. */
export async function closeSshPool(): Promise<void> {
  const pool = shared;
  shared = undefined;
  await pool?.close();
}

/** Whether the instance `service` of `plan` runs on `host` (its pid record proven). */
export function remoteServiceAlive(
  plan: ResolvedPlan,
  service: string,
  host: HostSpec,
): Promise<boolean> {
  return remoteAlive(sshPool(), {
    host,
    project: plan.project,
    environment: plan.environment,
    service,
  });
}

/**
 * Before a run is resumed: the commands it left running on its hosts (the operator's process
 * died, and the host never saw the connection end) are stopped, so that no step runs twice at
 * once. What was stopped, and hosts that could not be checked, are said as warnings.
 */
export async function stopLeftoverRemoteCommands(
  plan: ResolvedPlan,
  deploymentId: string,
): Promise<string[]> {
  const run = { project: plan.project, environment: plan.environment, deploymentId };
  const found = await Promise.all(
    hostsInUse(plan).used.map((host) =>
      stopLeftoverCommands(sshPool(), host, run).then(
        (left) =>
          left.map(
            (l) =>
              `${host.name}: ${l.step} of the interrupted run was still running (process group ${l.pgid}); ${l.result === 'killed' ? 'killed' : 'stopped'} before resuming`,
          ),
        (error: unknown) => [`${host.name}: ${(error as Error).message}`],
      ),
    ),
  );
  return found.flat();
}

/** How often a watched remote service is looked at (one short command over its connection). */
const WATCH_EVERY_MS = 2000;

/** Where an instance of `service` runs: its host, when it is placed on one. */
export function hostOf(plan: ResolvedPlan, service: string): HostSpec | undefined {
  const spec = own(plan.services, service);
  return spec?.process?.host ?? spec?.activate?.host;
}

/** The remote effects of one run. */
export function remoteEffects(o: {
  plan: ResolvedPlan;
  vars: Record<string, string>;
  mask: Masker;
  logFile: (label: string) => string;
}) {
  const pool = sshPool();
  // The run's id, as every command gets it: its running steps are recorded on their hosts under it.
  const deploymentId = o.vars.STAGECRAFT_DEPLOYMENT_ID;
  // The instances this run started, for watches that name only the service (the monitor's).
  const started = new Map<string, ProcessInfo>();
  const logPath = (service: string, host: HostSpec): string =>
    `${host.name}:~/.stagecraft/${o.plan.project}/${o.plan.environment}/logs/${service}.log`;
  const ref = (service: string, host: HostSpec): RemoteServiceRef => ({
    host,
    project: o.plan.project,
    environment: o.plan.environment,
    service,
  });
  const envOf = (command: CommandSpec, extra: Record<string, string> = {}) => ({
    ...o.vars,
    ...extra,
    ...command.env,
  });
  return {
    runCommand: (
      command: CommandSpec,
      input: { label: string; timeoutMs: number; env?: Record<string, string> },
      signal: AbortSignal,
    ): Promise<CommandOutcome> =>
      runRemoteCommand(pool, command, {
        env: envOf(command, input.env),
        timeoutMs: input.timeoutMs,
        signal,
        logFile: o.logFile(input.label),
        mask: o.mask,
        ...(deploymentId === undefined
          ? {}
          : {
              record: {
                project: o.plan.project,
                environment: o.plan.environment,
                deploymentId,
                step: input.label,
              },
            }),
      }),
    runProbe: async (probe: ProbeSpec, signal: AbortSignal): Promise<ProbeOutcome> => {
      const command = probe.command;
      if (command === undefined) throw new Error('bug: a remote probe without a command');
      const out = await runRemoteCommand(pool, command, {
        env: envOf(command),
        timeoutMs: probe.timeoutMs,
        graceMs: 1000,
        tailBytes: 2048,
        signal,
        mask: o.mask,
      });
      return commandProbeOutcome(out, command, probe.timeoutMs);
    },
    startProcess: async (
      service: string,
      command: CommandSpec,
      env: Record<string, string> | undefined,
      host: HostSpec,
    ): Promise<ProcessInfo> => {
      // As on this machine: the previous instance (its pid record proven) is stopped first.
      await stopRemote(pool, ref(service, host));
      const record = await startRemote(pool, ref(service, host), {
        run: command.run,
        cwd: command.cwd,
        env: envOf(command, env),
        mask: o.mask,
      });
      const info: ProcessInfo = {
        pid: record.pid,
        procStart: record.procStart,
        logFile: logPath(service, host),
        startedAt: Date.now(),
      };
      started.set(service, info);
      return info;
    },
    stopProcess: async (service: string, host: HostSpec): Promise<StopOutcome> => {
      const r = await stopRemote(pool, ref(service, host));
      return { stopped: r === 'stopped' || r === 'killed' };
    },
    observeProcess: async (
      service: string,
      info: ProcessInfo,
      host: HostSpec,
    ): Promise<ProcessSeen> => {
      if (await remoteAlive(pool, ref(service, host)))
        return { observed: { pid: info.pid, alive: true } };
      return {
        observed: { pid: info.pid, alive: false },
        exit: await exitOf(service, info, host),
      };
    },
    watchProcess: async (
      service: string,
      info: ProcessInfo | undefined,
      host: HostSpec,
      signal: AbortSignal,
    ): Promise<ProcessExit> => {
      // Looked at every few seconds while it runs; a look that cannot be made (the host is
      // unreachable) is not an exit: the health checks judge an unreachable service.
      info ??= started.get(service);
      for (;;) {
        await sleep(WATCH_EVERY_MS, signal);
        const alive = await remoteAlive(pool, ref(service, host)).catch(() => true);
        if (!alive) break;
      }
      return exitOf(service, info, host);
    },
  };

  async function exitOf(
    service: string,
    info: ProcessInfo | undefined,
    host: HostSpec,
  ): Promise<ProcessExit> {
    const tail = await remoteLogTail(pool, ref(service, host), 20, o.mask).catch(() => '');
    return {
      pid: info?.pid ?? 0,
      exitCode: null,
      statusKnown: false,
      ranMs: info === undefined ? 0 : Date.now() - info.startedAt,
      logFile: info?.logFile ?? logPath(service, host),
      tail: tail.split('\n').filter((l) => l.length > 0),
    };
  }
}

/** Resolves after `ms`; never resolves once `signal` is aborted (the watch is over). */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return;
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
  });
}
