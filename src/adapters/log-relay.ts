/**
 * Log relay: a standalone program that runs one `process` service and appends its stdout and
 * stderr to the service log with secret values masked (secrets never reach the disk).
 *
 * Usage: `node log-relay.js <logFile> <file> [args...]`. Started by stagecraft, its own
 * environment is stagecraft's with {@link JOB_VAR} set, and the service's job (environment,
 * folder, secrets to mask) comes as JSON on stdin; run by hand, its own environment is the
 * service's and STAGECRAFT_REDACT names the variables to mask. The service is spawned NOT
 * detached, so it stays in the relay's process group: killing the group stops both.
 * SIGTERM/SIGINT are forwarded; the relay exits with the service's exit code or re-raises its
 * signal. If fd 3 is open (the parent's status pipe), the relay writes `ok` once the service is
 * spawned or `error <code>\t<msg>`.
 *
 * The log never takes the service down: when it cannot be written (a full disk, a file-size
 * limit) the relay goes on draining the service's pipes, drops the output and counts it, says so
 * in its state record (`<log>.relay.json`, read by `status`) and writes one marker line into the
 * log once it can again.
 */
import { spawn } from 'node:child_process';
import { closeSync, writeSync } from 'node:fs';
import { constants } from 'node:os';
import type { Readable } from 'node:stream';
import { Masker, type StreamMasker } from '../core/mask.js';
import { own } from '../core/own.js';
import { JOB_VAR, REDACT_VAR, RELAY_DRAIN_MS, type RelayJob } from './log-relay-protocol.js';
import { LogSink } from './log-relay-sink.js';
import { openRegularSync } from '../state/files.js';

/** The largest job accepted on stdin (an environment is a few kilobytes). */
const MAX_JOB_BYTES = 8 * 1024 * 1024;

/**
 * Pipe one stream into the log through the masker shared by both streams of the service, so a
 * secret split over writes — even across stdout and stderr — is still masked, while the log
 * keeps up with a quiet service (the masker holds back only what could still become a secret).
 */
function relay(stream: Readable, log: LogSink, masker: StreamMasker): Promise<void> {
  stream.on('data', (chunk: Buffer) => log.write(masker.push(chunk)));
  return new Promise((resolve) => stream.once('close', () => resolve()));
}

/** Tell the parent (fd 3, when open) whether the service started. */
function report(message: string): void {
  try {
    writeSync(3, `${message}\n`);
    closeSync(3);
  } catch {
    // no status pipe: run by hand
  }
}

/** The job from stdin, within `deadlineMs`, or why there is none. */
function jobFromStdin(deadlineMs: number): Promise<RelayJob | string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (result: RelayJob | string): void => {
      clearTimeout(timer);
      process.stdin.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done(`no job on stdin within ${deadlineMs} ms`), deadlineMs);
    process.stdin.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_JOB_BYTES) done(`the job on stdin is larger than ${MAX_JOB_BYTES} bytes`);
      else chunks.push(chunk);
    });
    process.stdin.once('error', (error) => done(`cannot read the job on stdin: ${error.message}`));
    process.stdin.once('end', () => {
      try {
        const job = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Partial<RelayJob>;
        if (
          typeof job.env !== 'object' ||
          job.env === null ||
          typeof job.cwd !== 'string' ||
          !Array.isArray(job.redact)
        )
          done('the job on stdin is malformed');
        else done(job as RelayJob);
      } catch {
        done('the job on stdin is not JSON');
      }
    });
  });
}

/** The job: from stdin when stagecraft started the relay, else from the relay's own environment. */
async function jobOf(): Promise<RelayJob | string> {
  const deadline = process.env[JOB_VAR];
  if (deadline !== undefined) return jobFromStdin(Number(deadline) > 0 ? Number(deadline) : 10_000);
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env))
    if (value !== undefined && key !== REDACT_VAR) env[key] = value;
  const redact = (process.env[REDACT_VAR] ?? '').split(',').filter((n) => n !== '');
  return { env, cwd: process.cwd(), redact };
}

async function main(): Promise<void> {
  const [logFile, file, ...args] = process.argv.slice(2);
  if (logFile === undefined || file === undefined) {
    process.stderr.write('usage: log-relay <logFile> <command> [args...]\n');
    process.exitCode = 2;
    return;
  }
  const job = await jobOf();
  if (typeof job === 'string') {
    report(`error EJOB\t${job}`);
    process.exitCode = 2;
    return;
  }
  const masker = new Masker(job.redact.map((n) => own(job.env, n) ?? '')).stream();
  let fd: number;
  try {
    fd = openRegularSync(logFile, 'a');
  } catch (error) {
    report(`error ELOG\tcannot open its log ${logFile}: ${(error as Error).message}`);
    process.exitCode = 2;
    return;
  }
  const log = new LogSink(fd, logFile);
  const child = spawn(file, args, {
    cwd: job.cwd,
    env: job.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const forward = (signal: NodeJS.Signals): void => {
    child.kill(signal);
  };
  process.on('SIGTERM', forward);
  process.on('SIGINT', forward);
  child.once('error', (error: NodeJS.ErrnoException) => {
    report(`error ${error.code ?? ''}\t${error.message}`);
    log.write(Buffer.from(`stagecraft log relay: cannot start ${file}: ${error.message}\n`));
    log.close();
    process.exitCode = 127;
    process.off('SIGTERM', forward);
    process.off('SIGINT', forward);
  });
  child.once('spawn', () => {
    report('ok');
    const streams = [child.stdout, child.stderr];
    const done = Promise.all(streams.map((s) => relay(s, log, masker)));
    child.once('exit', (code, signal) => {
      // What the service left behind may hold its pipes for ever: relay it a little, then end.
      const late = setTimeout(() => {
        for (const s of streams) s.destroy();
      }, RELAY_DRAIN_MS);
      void done.then(() => {
        clearTimeout(late);
        log.write(masker.end());
        log.close();
        process.off('SIGTERM', forward);
        process.off('SIGINT', forward);
        if (signal) {
          // A signal Node ignores (SIGPIPE) does not end the relay: then the shell's 128 + n says it.
          process.exitCode = 128 + (constants.signals[signal] ?? 0);
          process.kill(process.pid, signal);
        } else process.exitCode = code ?? 1;
      });
    });
  });
}

await main();
