/**
 * One run of the built CLI for the attack suite: a deadline (SIGKILL and "hang" when it passes),
 * faults delivered while it runs (signals once a condition holds, stdout closed after the first
 * chunk as `| head -1` does), and an optional wrapper (`unshare` for a read-only state folder).
 */
import { spawn } from 'node:child_process';
import { BIN } from '../cli/helpers.js';

/** A signal sent once `when()` holds (polled every 10 ms), `delayMs` later. */
export interface SignalFault {
  when: () => boolean;
  delayMs: number;
  signal: NodeJS.Signals;
}

/** How to run the CLI. */
export interface RunOptions {
  cwd: string;
  env: Record<string, string>;
  deadlineMs: number;
  signals?: SignalFault[];
  /** Close our end of stdout after its first chunk (a reader that went away). */
  closeStdout?: boolean;
  /** Argv put before `node bin/stagecraft.js` (it must exec it, so the pid stays the CLI's). */
  wrap?: string[];
}

/** What a run produced. `code` is the exit code, or the signal that ended it. */
export interface RunResult {
  args: string[];
  code: number | NodeJS.Signals;
  stdout: string;
  stderr: string;
  ms: number;
  hang: boolean;
  /** Signals delivered while it was still running. */
  delivered: NodeJS.Signals[];
}

/** Runs `stagecraft <args>` to its end or its deadline. */
export function runCli(args: string[], opts: RunOptions): Promise<RunResult> {
  const started = performance.now();
  const argv = [...(opts.wrap ?? []), process.execPath, BIN, ...args];
  const child = spawn(argv[0] ?? process.execPath, argv.slice(1), {
    cwd: opts.cwd,
    env: opts.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let hang = false;
  const delivered: NodeJS.Signals[] = [];
  let running = true;
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    if (opts.closeStdout === true) child.stdout.destroy();
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdout.on('error', () => undefined);
  const timers: NodeJS.Timeout[] = [];
  for (const fault of opts.signals ?? []) {
    const poll = setInterval(() => {
      if (!running || !fault.when()) return;
      clearInterval(poll);
      timers.push(
        setTimeout(() => {
          if (running && child.kill(fault.signal)) delivered.push(fault.signal);
        }, fault.delayMs),
      );
    }, 10);
    timers.push(poll);
  }
  const deadline = setTimeout(() => {
    hang = true;
    child.kill('SIGKILL');
  }, opts.deadlineMs);
  return new Promise((resolve) => {
    child.on('error', (err) => {
      stderr += `spawn failed: ${err.message}`;
    });
    child.on('close', (code, signal) => {
      running = false;
      clearTimeout(deadline);
      for (const t of timers) clearInterval(t);
      resolve({
        args,
        code: code ?? signal ?? -1,
        stdout,
        stderr,
        ms: Math.round(performance.now() - started),
        hang,
        delivered,
      });
    });
  });
}
