/**
 * Log relay: a standalone program that runs one `process` service and appends its stdout and
 * stderr to the service log with secret values masked (secrets never reach the disk).
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
import { Masker, type StreamMasker } from '../core/mask.js';
import { REDACT_VAR } from './log-relay-protocol.js';

/**
 * Pipe one stream into `fd` through the masker shared by both streams of the service, so a
 * secret split over writes — even across stdout and stderr — is still masked, while the log
 * keeps up with a quiet service (the masker holds back only what could still become a secret).
 */
function relay(stream: Readable, fd: number, masker: StreamMasker): Promise<void> {
  stream.on('data', (chunk: Buffer) => {
    const bytes = masker.push(chunk);
    if (bytes.length > 0) writeSync(fd, bytes);
  });
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

function main(): void {
  const [logFile, file, ...args] = process.argv.slice(2);
  if (logFile === undefined || file === undefined) {
    process.stderr.write('usage: log-relay <logFile> <command> [args...]\n');
    process.exitCode = 2;
    return;
  }
  const names = (process.env[REDACT_VAR] ?? '').split(',').filter((n) => n !== '');
  const masker = new Masker(names.map((n) => process.env[n] ?? '')).stream();
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
    const done = Promise.all([relay(child.stdout, fd, masker), relay(child.stderr, fd, masker)]);
    child.once('exit', (code, signal) => {
      void done.then(() => {
        const rest = masker.end();
        if (rest.length > 0) writeSync(fd, rest);
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
