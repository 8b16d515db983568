/**
 * Long-running `process` services: started detached in their own process group
 * with output to `<stateDir>/logs/<environment>/<service>.log`, recorded in the registry so that a
 * later run (down, rollback, the next deploy) can stop or restart them. They outlive the CLI on
 * purpose, so they are not in process-groups' kill-on-exit set.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import type { CommandSpec } from '../config/plan-types.js';
import type { ProcessInfo } from '../machines/effects.js';
import { Masker } from '../core/mask.js';
import { own } from '../core/own.js';
import { buildEnv, helperEnv, withoutSecrets } from './env.js';
import { environOf, isAlive as procAlive, startTimeOf } from '../core/liveness.js';
import { checkIdentity, groupsTagged, killGroup, type Verdict } from './proc.js';
import { trackExit } from './process-exits.js';
import {
  JOB_VAR,
  logTrouble,
  RELAY_JOB_MS,
  RELAY_START_MS,
  relayStatePath,
  type RelayJob,
} from './log-relay-protocol.js';
import { programArgs } from './programs.js';
import {
  entryProblem,
  readRegistry,
  registryPath,
  recordInstance,
  updateRegistry,
  type RegistryEntry,
} from '../state/registry.js';
import { openRegular } from '../state/files.js';

/** Where services of one environment are recorded. */
export interface ProcessManagerOptions {
  stateDir: string;
  environment: string;
  /** The project folder (the config file's), recorded with each service it starts. */
  projectDir?: string;
  /** How long a service's log relay may take to report that it started it (ms). */
  relayStartMs?: number;
}

/** A service in the registry, with its liveness now. */
export interface ServiceListing {
  service: string;
  pid: number;
  alive: boolean;
  startedAt: number;
  command: string | string[];
  cwd: string;
  env?: Record<string, string>;
  logFile: string;
  /** What is wrong with its log (output dropped: a full disk), when something is. */
  logTrouble?: string;
}

/** True while the process exists and is not a zombie (/proc/<pid>/stat aware). */
export function isAlive(pid: number): boolean {
  return procAlive(pid);
}

/** The environment variable that tags every service instance stagecraft starts. */
const INSTANCE_TAG = 'STAGECRAFT_INSTANCE';

/** The tag of one service of one environment of one state dir. */
function instanceTag(opts: ProcessManagerOptions, service: string): string {
  const dir = createHash('sha256').update(resolve(opts.stateDir)).digest('hex').slice(0, 16);
  return `${dir}/${opts.environment}/${service}`;
}

/** Whether the recorded process of `service` may be signalled (src/adapters/proc.ts decides). */
function verdictOf(opts: ProcessManagerOptions, service: string, entry: RegistryEntry): Verdict {
  if (entryProblem(entry) !== undefined)
    return { verdict: 'refused', reason: 'malformed entry', forget: false };
  return checkIdentity({
    pid: entry.pid,
    ...(entry.procStart === undefined ? {} : { procStart: entry.procStart }),
    tag: { name: INSTANCE_TAG, value: instanceTag(opts, service) },
  });
}

/**
 * The service of this environment and state dir that `pid` is an instance of, read from the tag
 * in the process's own environment — so also an instance that was started but never recorded
 * (the orchestrator was killed in between) — or undefined.
 */
export function taggedServiceOf(opts: ProcessManagerOptions, pid: number): string | undefined {
  const tag = environOf(pid)?.[INSTANCE_TAG];
  const prefix = instanceTag(opts, '');
  return tag !== undefined && tag.startsWith(prefix) ? tag.slice(prefix.length) : undefined;
}

/**
 * Start a service: stop the previous instance first, spawn detached with output appended to its
 * log file, record it. Resolves once spawned (NOT when healthy); rejects only on spawn failure.
 * `secretNames` lists env keys that must not be written to the registry. When one of them has a
 * value (>= 3 chars), the service runs under the log relay (log-relay.ts), which masks those
 * values on the way into the log; the recorded pid is then the relay's, the group leader.
 */
export async function startService(
  opts: ProcessManagerOptions,
  service: string,
  command: CommandSpec,
  env: Record<string, string>,
  secretNames: string[] = [],
): Promise<ProcessInfo> {
  await stopService(opts, service);
  const logDir = join(opts.stateDir, 'logs', opts.environment);
  const logFile = join(logDir, `${service}.log`);
  await mkdir(logDir, { recursive: true });
  // A previous instance's relay record says nothing about this one.
  await rm(relayStatePath(logFile), { force: true });
  const log = await openRegular(logFile, 'a');
  const [file, args] =
    typeof command.run === 'string'
      ? ['sh', ['-c', command.run]]
      : [command.run[0] ?? '', command.run.slice(1)];
  const fullEnv = buildEnv(env, command.env, { [INSTANCE_TAG]: instanceTag(opts, service) });
  const masked = secretNames.filter((name) => (own(fullEnv, name) ?? '').length >= 3);
  let pid: number;
  try {
    pid =
      masked.length === 0
        ? await spawnDirect(file, args, command, fullEnv, log.fd, service)
        : await spawnRelayed(
            file,
            args,
            command,
            fullEnv,
            log.fd,
            logFile,
            masked,
            service,
            opts.relayStartMs,
          );
  } finally {
    await log.close();
  }
  const startedAt = Date.now();
  const procStart = startTimeOf(pid);
  const entry: RegistryEntry = {
    pid,
    startedAt,
    ...(procStart !== undefined ? { procStart } : {}),
    command: command.run,
    cwd: command.cwd,
    env: withoutSecrets({ ...env, ...command.env }, secretNames),
    logFile,
    stateDir: resolve(opts.stateDir),
    ...(opts.projectDir === undefined ? {} : { projectDir: resolve(opts.projectDir) }),
  };
  // The secrets' values are masked wherever they hide (a variable that embeds one, the command).
  const mask = new Masker(secretNames.map((name) => own(fullEnv, name) ?? ''));
  await updateRegistry(
    registryPath(opts.stateDir, opts.environment),
    (registry) => {
      recordInstance(registry, service, entry);
    },
    mask,
  );
  return { pid, logFile, startedAt };
}

/** The error startService rejects with when a service cannot be spawned. */
function startError(service: string, command: CommandSpec, what: string): Error {
  const run = typeof command.run === 'string' ? command.run : command.run.join(' ');
  return new Error(`cannot start service ${service} (${run}): ${what}`);
}

function spawnFailure(
  service: string,
  command: CommandSpec,
  code: string | undefined,
  message: string,
): Error {
  return startError(
    service,
    command,
    code === 'ENOENT' ? `command or working directory not found (cwd ${command.cwd})` : message,
  );
}

/** No secrets to mask: the service writes straight into its log file. */
function spawnDirect(
  file: string,
  args: string[],
  command: CommandSpec,
  env: Record<string, string>,
  logFd: number,
  service: string,
): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: command.cwd,
      env,
      detached: true,
      stdio: ['ignore', logFd, logFd],
    });
    child.once('error', (error: NodeJS.ErrnoException) => {
      reject(spawnFailure(service, command, error.code, error.message));
    });
    child.once('spawn', () => {
      child.unref();
      if (child.pid !== undefined) trackExit(child.pid, child);
      resolve(child.pid ?? -1);
    });
  });
}

/**
 * The service has secrets: start the log relay as the detached group leader; it runs the service
 * in its own group and masks secret values on the way into the log. The relay's own environment
 * is stagecraft's (helperEnv) plus the instance tag; the service's (the config's variables, its
 * secrets) goes to it on stdin, so nothing of the config is loaded into the relay's Node.
 * Resolves with the relay's pid once the relay reports (status pipe, fd 3) that the service
 * itself was spawned; a relay that does not report within `deadlineMs` is killed, and the start
 * fails saying so.
 */
function spawnRelayed(
  file: string,
  args: string[],
  command: CommandSpec,
  env: Record<string, string>,
  logFd: number,
  logFile: string,
  secretNames: string[],
  service: string,
  deadlineMs = RELAY_START_MS,
): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const tag = env[INSTANCE_TAG];
    const child = spawn(process.execPath, [...programArgs('log-relay'), logFile, file, ...args], {
      cwd: command.cwd,
      env: helperEnv({
        ...(tag === undefined ? {} : { [INSTANCE_TAG]: tag }),
        [JOB_VAR]: String(RELAY_JOB_MS),
      }),
      detached: true,
      stdio: ['pipe', logFd, logFd, 'pipe'],
    });
    const job: RelayJob = { env, cwd: command.cwd, redact: secretNames };
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(JSON.stringify(job));
    let settled = false;
    const settle = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outcome();
    };
    const timer = setTimeout(() => {
      settle(() => {
        (child.stdio[3] as Readable | null)?.destroy();
        child.unref();
        const failure = startError(
          service,
          command,
          `the log relay did not report within ${deadlineMs} ms that it started it; it was killed (see ${logFile})`,
        );
        // Ours, just started, never reported: its whole group goes (the service, if it got that
        // far) before the start fails, so nothing of it is left running.
        const gone = child.pid === undefined ? Promise.resolve() : killGroup(child.pid, 0);
        void gone.catch(() => undefined).then(() => reject(failure));
      });
    }, deadlineMs);
    child.once('error', (error: NodeJS.ErrnoException) => {
      settle(() => reject(spawnFailure(service, command, error.code, error.message)));
    });
    child.once('spawn', () => {
      if (child.pid !== undefined) trackExit(child.pid, child);
      const status = child.stdio[3] as Readable;
      let text = '';
      status.setEncoding('utf8');
      status.on('data', (data: string) => (text += data));
      status.once('close', () => {
        settle(() => {
          child.unref();
          const line = text.split('\n')[0] ?? '';
          if (line === 'ok') {
            resolve(child.pid ?? -1);
            return;
          }
          const match = /^error (\S*)\t(.*)$/.exec(line);
          reject(
            match
              ? spawnFailure(service, command, match[1], match[2] ?? '')
              : startError(
                  service,
                  command,
                  `the log relay exited before starting it (see ${logFile})`,
                ),
          );
        });
      });
    });
  });
}

/** The same folder, however it is spelled (symlinks, `..`), when it exists. */
function sameDir(a: string, b: string): boolean {
  const real = (p: string): string => {
    try {
      return realpathSync(p);
    } catch {
      return resolve(p);
    }
  };
  return real(a) === real(b);
}

/**
 * Why a live registry entry is not this state directory's to stop (undefined when it is): it was
 * recorded by another state directory or project folder (the registry was copied with its
 * folder), or its process carries another instance's tag.
 */
function foreignEntry(
  opts: ProcessManagerOptions,
  service: string,
  entry: RegistryEntry,
): { reason: string; copied: boolean } | undefined {
  const what = `pid ${entry.pid} (${typeof entry.command === 'string' ? entry.command : entry.command.join(' ')})`;
  if (entry.stateDir !== undefined && !sameDir(entry.stateDir, opts.stateDir)) {
    const from =
      entry.projectDir === undefined
        ? `with the state directory ${entry.stateDir}`
        : `from ${entry.projectDir}`;
    const there = entry.projectDir ?? entry.stateDir;
    return {
      reason: `${what} was started ${from}, not from here: stop it there (stagecraft down -c ${there})`,
      copied: true,
    };
  }
  if (
    entry.projectDir !== undefined &&
    opts.projectDir !== undefined &&
    !sameDir(entry.projectDir, opts.projectDir)
  )
    return {
      reason: `${what} was started by the project in ${entry.projectDir}, which shares this state directory: stop it there (stagecraft down -c ${entry.projectDir})`,
      copied: false,
    };
  // An entry recorded before stagecraft kept its owner: the process's own tag says whose it is.
  const tag = environOf(entry.pid)?.[INSTANCE_TAG];
  if (tag !== undefined && tag !== instanceTag(opts, service))
    return { reason: `${what} was started from another state directory`, copied: true };
  return undefined;
}

/**
 * Stop the service stagecraft started: SIGTERM its group, SIGKILL after `graceMs`, wait until
 * every member is gone, remove it from the registry. `stopped` is false when nothing was running.
 * Only a process proven to be the one recorded is signalled (checkIdentity). An entry that another
 * state directory or project folder started, a malformed one, or one whose identity cannot be
 * checked is `refused` (with the reason and what to do); one that came with a copied registry is
 * forgotten here, the others are kept for the operator.
 */
export async function stopService(
  opts: ProcessManagerOptions,
  service: string,
  graceMs = 5000,
): Promise<{ stopped: boolean; pid?: number; refused?: string }> {
  const path = registryPath(opts.stateDir, opts.environment);
  const entry = own((await readRegistry(path)).services, service);
  // Instances started but never recorded (the orchestrator died between spawn and record) are
  // found by the tag every service instance carries in its environment.
  const tag = { name: INSTANCE_TAG, value: instanceTag(opts, service) };
  const unrecorded = groupsTagged(tag.name, tag.value).filter(
    (pgid) => pgid !== entry?.pid && checkIdentity({ pid: pgid, tag }).verdict === 'ours',
  );
  await Promise.all(unrecorded.map((pgid) => killGroup(pgid, graceMs)));
  if (!entry)
    return unrecorded.length > 0 ? { stopped: true, pid: unrecorded[0] } : { stopped: false };
  const stopped = unrecorded.length > 0;
  const forget = (): Promise<void> =>
    updateRegistry(path, (registry) => {
      if (own(registry.services, service)?.pid === entry.pid) delete registry.services[service];
    });
  // A malformed entry (hand edit, damage) is never acted on, and kept for the operator to see.
  const problem = entryProblem(entry);
  if (problem !== undefined)
    return {
      stopped,
      refused: `the entry of ${service} in ${path} ${problem}: nothing was signalled; remove it from that file (and stop the process yourself if it is yours)`,
    };
  const verdict = verdictOf(opts, service, entry);
  // Gone, or its pid now names a process with another start time: nothing of it is left to stop.
  if (verdict.verdict === 'gone' || (verdict.verdict === 'refused' && verdict.forget)) {
    await forget();
    return { stopped, pid: entry.pid };
  }
  const foreign = foreignEntry(opts, service, entry);
  if (foreign !== undefined) {
    if (foreign.copied) await forget();
    return { stopped, pid: entry.pid, refused: foreign.reason };
  }
  if (verdict.verdict === 'refused')
    return {
      stopped,
      pid: entry.pid,
      refused: `${verdict.reason}: not signalled; if it is yours, stop it yourself (kill ${entry.pid}), then remove ${service} from ${path}`,
    };
  await killGroup(entry.pid, graceMs);
  await forget();
  return { stopped: true, pid: entry.pid };
}

/** The instance the registry records for `service`, if any. */
export async function recordedInstance(
  opts: ProcessManagerOptions,
  service: string,
): Promise<ProcessInfo | undefined> {
  const registry = await readRegistry(registryPath(opts.stateDir, opts.environment));
  const entry = own(registry.services, service);
  // A malformed entry names no process to watch (pid 1 would look alive for ever).
  if (entry === undefined || entryProblem(entry) !== undefined) return undefined;
  return {
    pid: entry.pid,
    ...(entry.procStart === undefined ? {} : { procStart: entry.procStart }),
    logFile: entry.logFile,
    startedAt: entry.startedAt,
  };
}

/** Every service recorded for the environment, with whether it is alive now. */
export async function listServices(opts: ProcessManagerOptions): Promise<ServiceListing[]> {
  const registry = await readRegistry(registryPath(opts.stateDir, opts.environment));
  return Object.entries(registry.services).map(([service, entry]) => {
    const alive = verdictOf(opts, service, entry).verdict === 'ours';
    const trouble = alive ? logTrouble(entry.logFile) : undefined;
    return {
      service,
      pid: entry.pid,
      alive,
      startedAt: entry.startedAt,
      command: entry.command,
      cwd: entry.cwd,
      env: entry.env,
      logFile: entry.logFile,
      ...(trouble === undefined ? {} : { logTrouble: trouble }),
    };
  });
}
