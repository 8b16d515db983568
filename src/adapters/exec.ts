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
import type { ExecOptions } from './exec-core.js';
import type { RunJob } from './exec-runner.js';
import { buildEnv } from './env.js';
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
  for (const s of [r.child.stdout, r.child.stdin] as Array<Socket | null>) {
    if (busy) s?.ref();
    else s?.unref();
  }
  if (busy) r.child.ref();
  else r.child.unref();
}

function start(): Runner {
  const child = spawn(process.execPath, programArgs('exec-runner'), {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: process.env,
  });
  const r: Runner = { child, pending: new Map() };
  const lines = createInterface({ input: child.stdout, crlfDelay: Infinity });
  lines.on('line', (line) => {
    let m: { type: string; id: number; pid?: number; outcome?: CommandOutcome };
    try {
      m = JSON.parse(line) as typeof m;
    } catch {
      return;
    }
    const job = r.pending.get(m.id);
    if (job === undefined) return;
    if (m.type === 'spawned' && m.pid !== undefined) {
      job.pid = m.pid;
      trackGroup(m.pid);
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
 * Run a command to completion, to its deadline or to cancellation. Never throws for command
 * failures: non-zero exits, timeouts, cancels and spawn failures are all values.
 */
export function runCommand(command: CommandSpec, opts: ExecOptions): Promise<CommandOutcome> {
  if (opts.signal?.aborted)
    return Promise.resolve({ ...failed('canceled before start'), canceled: true });
  runner ??= start();
  const r = runner;
  const id = nextId++;
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
    },
  };
  return new Promise<CommandOutcome>((resolve) => {
    const pending: Pending = { resolve };
    if (opts.signal !== undefined) {
      const onAbort = (): void => {
        r.child.stdin?.write(`${JSON.stringify({ type: 'cancel', id })}\n`);
      };
      pending.onAbort = onAbort;
      pending.signal = opts.signal;
      opts.signal.addEventListener('abort', onAbort, { once: true });
    }
    r.pending.set(id, pending);
    hold(r);
    r.child.stdin?.write(`${JSON.stringify(job)}\n`);
  });
}
