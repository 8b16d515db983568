/**
 * Log relay: a standalone program that runs one `process` service and appends its stdout and
 * stderr to the service log with secret values masked (PRODUCT.md: secrets never reach the disk).
 *
 * Usage: `node log-relay.js <logFile> <file> [args...]`, with env STAGECRAFT_REDACT naming the
 * env vars whose values are masked (comma-separated). The service is spawned NOT detached, so it
 * stays in the relay's process group: killing the group stops both. SIGTERM/SIGINT are forwarded;
 * the relay exits with the service's exit code or re-raises its signal. If fd 3 is open (the
 * parent's status pipe), the relay writes `ok` once the service is spawned or `error <code>\t<msg>`.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { createRedactor, REDACT_VAR, type Redactor } from './redactor.js';

/** The env var that names the secrets to mask; not passed on to the service. */

/** The longest suffix of `text` that could still become one of `secrets` (a proper prefix). */
function pendingPrefix(text: string, secrets: readonly string[]): number {
  for (
    let len = Math.min(text.length, Math.max(0, ...secrets.map((s) => s.length - 1)));
    len > 0;
    len--
  ) {
    const tail = text.slice(text.length - len);
    if (secrets.some((s) => s.length > len && s.startsWith(tail))) return len;
  }
  return 0;
}

/**
 * Pipe one stream into `fd` through a redactor. After each chunk, everything is written except
 * the tail that could still grow into a secret, so the log keeps up with a quiet service and the
 * order of stdout and stderr lines is kept, while a secret split over writes is still masked.
 */
function relay(stream: Readable, fd: number, values: readonly string[]): Promise<void> {
  const secrets = values
    .filter((v) => v.length >= 3)
    .map((v) => Buffer.from(v, 'utf8').toString('latin1'));
  let redactor: Redactor = createRedactor(values);
  const write = (bytes: Buffer): void => {
    if (bytes.length > 0) writeSync(fd, bytes);
  };
  stream.on('data', (chunk: Buffer) => {
    write(redactor.push(chunk));
    const text = redactor.end().toString('latin1');
    const hold = pendingPrefix(text, secrets);
    write(Buffer.from(text.slice(0, text.length - hold), 'latin1'));
    redactor = createRedactor(values);
    write(redactor.push(Buffer.from(text.slice(text.length - hold), 'latin1')));
  });
  return new Promise((resolve) => {
    stream.once('close', () => {
      write(redactor.end());
      resolve();
    });
  });
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

function main(): void {
  const [logFile, file, ...args] = process.argv.slice(2);
  if (logFile === undefined || file === undefined) {
    process.stderr.write('usage: log-relay <logFile> <command> [args...]\n');
    process.exitCode = 2;
    return;
  }
  const names = (process.env[REDACT_VAR] ?? '').split(',').filter((n) => n !== '');
  const values = names.map((n) => process.env[n] ?? '').filter((v) => v.length >= 3);
  const env = { ...process.env };
  delete env[REDACT_VAR];
  const fd = openSync(logFile, 'a');
  const child = spawn(file, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const forward = (signal: NodeJS.Signals): void => {
    child.kill(signal);
  };
  process.on('SIGTERM', forward);
  process.on('SIGINT', forward);
  child.once('error', (error: NodeJS.ErrnoException) => {
    report(`error ${error.code ?? ''}\t${error.message}`);
    writeSync(fd, `stagecraft log relay: cannot start ${file}: ${error.message}\n`);
    closeSync(fd);
    process.exitCode = 127;
    process.off('SIGTERM', forward);
    process.off('SIGINT', forward);
  });
  child.once('spawn', () => {
    report('ok');
    const done = Promise.all([relay(child.stdout, fd, values), relay(child.stderr, fd, values)]);
    child.once('exit', (code, signal) => {
      void done.then(() => {
        closeSync(fd);
        process.off('SIGTERM', forward);
        process.off('SIGINT', forward);
        if (signal) process.kill(process.pid, signal);
        else process.exitCode = code ?? 1;
      });
    });
  });
}

main();
