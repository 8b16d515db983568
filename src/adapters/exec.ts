/**
 * One-shot commands: run by the command runner (exec-runner.ts), a small program started once
 * per orchestrator. This client sends it each command and turns its answer into the outcome;
 * cancellation (the AbortSignal) is passed on, and every process group it reports is tracked,
 * so SIGINT/SIGTERM and exit kill it from here too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { createInterface } from 'node:readline';
import type { CommandSpec } from '../config/plan-types.js';
import type { CommandOutcome } from '../machines/effects.js';
import type { ExecOptions, SpawnIdentity } from './exec-core.js';
import type { RunJob } from './exec-runner.js';
import { buildEnv, helperEnv } from './env.js';
import { lineWriter } from './line-writer.js';
import { trackGroup, untrackGroup } from './proc.js';
import { programArgs } from './programs.js';

export type { ExecOptions } from './exec-core.js';

interface Pending {
  resolve: (outcome: CommandOutcome) => void;
  pid?: number;
  onAbort?: () => void;
  signal?: AbortSignal;
}

interface Runner {
  child: ChildProcess;
  pending: Map<number, Pending>;
  send: (message: unknown) => void;
}

let runner: Runner | undefined;
let nextId = 1;

const failed = (error: string): CommandOutcome => ({
  exitCode: null,
  durationMs: 0,
  timedOut: false,
  canceled: false,
  outputTail: '',
  error,
});

/** The process keeps running while a command does; an idle runner does not hold it. */
function hold(r: Runner): void {
  const busy = r.pending.size > 0;
  for (const s of [r.child.stdout, r.child.stdin, r.child.stderr] as Array<Socket | null>) {
    if (busy) s?.ref();
    else s?.unref();
  }
  if (busy) r.child.ref();
  else r.child.unref();
}

function start(): Runner {
  // Its stderr is relayed, not inherited: a runner that outlives this process by a few
  // milliseconds (killing what is left) must not hold the operator's pipe open.
  const child = spawn(process.execPath, programArgs('exec-runner'), {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: helperEnv(),
  });
  child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(chunk));
  const r: Runner = { child, pending: new Map(), send: lineWriter(() => child.stdin).send };
  const lines = createInterface({ input: child.stdout, crlfDelay: Infinity });
  lines.on('line', (line) => {
    let m: {
      type: string;
      id: number;
      pid?: number;
      identity?: SpawnIdentity;
      outcome?: CommandOutcome;
    };
    try {
      m = JSON.parse(line) as typeof m;
    } catch {
      return;
    }
    const job = r.pending.get(m.id);
    if (job === undefined) return;
    if (m.type === 'spawned' && m.pid !== undefined) {
      job.pid = m.pid;
      // Signalled on exit only while still proven to be the command's group (checkIdentity).
      trackGroup(m.pid, m.identity);
    } else if (m.type === 'done' && m.outcome !== undefined) {
      r.pending.delete(m.id);
      if (job.pid !== undefined) untrackGroup(job.pid);
      if (job.onAbort !== undefined) job.signal?.removeEventListener('abort', job.onAbort);
      hold(r);
      job.resolve(m.outcome);
    }
  });
  const lost = (why: string): void => {
    if (runner === r) runner = undefined;
    for (const job of r.pending.values()) job.resolve(failed(`the command runner ${why}`));
    r.pending.clear();
  };
  child.once('error', (e) => lost(`could not start: ${e.message}`));
  child.once('exit', (code, signal) => lost(`exited (${signal ?? code ?? '?'})`));
  child.stdin?.on('error', () => undefined);
  return r;
}

/**
 * Starts the command runner now, ahead of the first command (its Node start-up then overlaps the
 * orchestrator's own); an idle runner does not keep this process alive.
 */
export function startCommandRunner(): void {
  if (runner !== undefined) return;
  runner = start();
  hold(runner);
}

/**
 * Stops the command runner and waits until it is gone (bounded: SIGKILL after `graceMs`), so
 * that no process of this run outlives it: called when a run ends. The next command starts a
 * new one.
 */
export async function stopCommandRunner(graceMs = 2000): Promise<void> {
  const r = runner;
  if (r === undefined) return;
  runner = undefined;
  if (r.child.exitCode !== null || r.child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => r.child.once('exit', () => resolve()));
  r.child.stdin?.end();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), graceMs);
  });
  if ((await Promise.race([gone, late])) === 'late') {
    r.child.kill('SIGKILL');
    await gone;
  }
  clearTimeout(timer);
}

/**
 * Run a command to completion, to its deadline or to cancellation. Never throws for command
 * failures: non-zero exits, timeouts, cancels and spawn failures are all values.
 */
export function runCommand(command: CommandSpec, opts: ExecOptions): Promise<CommandOutcome> {
  if (opts.signal?.aborted)
    return Promise.resolve({ ...failed('canceled before start'), canceled: true });
  runner ??= start();
  const r = runner;
  const id = nextId++;
  // A command run for a deployment without a step of its own (a command probe) is a check of it.
  const deploymentId = opts.env.STAGECRAFT_DEPLOYMENT_ID;
  const owner =
    opts.owner ?? (deploymentId === undefined ? undefined : { deploymentId, step: 'check' });
  const job: RunJob = {
    type: 'run',
    id,
    command,
    options: {
      // The whole environment as this process sees it now (the runner's own is a snapshot).
      env: buildEnv(opts.env),
      timeoutMs: opts.timeoutMs,
      ...(opts.logFile === undefined ? {} : { logFile: opts.logFile }),
      ...(opts.tailBytes === undefined ? {} : { tailBytes: opts.tailBytes }),
      ...(opts.graceMs === undefined ? {} : { graceMs: opts.graceMs }),
      ...(opts.mask?.active === true ? { secrets: [...opts.mask.values] } : {}),
      ...(owner === undefined ? {} : { owner }),
      ...(opts.input === undefined ? {} : { input: opts.input }),
    },
  };
  return new Promise<CommandOutcome>((resolve) => {
    const pending: Pending = { resolve };
    if (opts.signal !== undefined) {
      const onAbort = (): void => {
        r.send({ type: 'cancel', id });
      };
      pending.onAbort = onAbort;
      pending.signal = opts.signal;
      opts.signal.addEventListener('abort', onAbort, { once: true });
    }
    r.pending.set(id, pending);
    hold(r);
    r.send(job);
  });
}
