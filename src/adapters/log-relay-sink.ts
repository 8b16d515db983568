/**
 * The log relay's writer of the service log (log-relay.ts): appends, and when the log cannot be
 * written (a full disk, a file-size limit, a failing device) drops and counts the output instead
 * of failing — the relay must go on draining the service's pipes, or the service would block or
 * die of SIGPIPE — keeps its state record up to date, and writes one marker line once it can.
 */
import { closeSync, writeSync } from 'node:fs';
import { encodeRelayState, relayStatePath, type RelayState } from './log-relay-protocol.js';
import { openRegularSync } from '../state/files.js';

/** How often a log that cannot be written is tried again (also when the service is quiet). */
const RETRY_MS = 1000;
/** Writes all of `bytes` to `fd`; what could not be written, with the error's code. */
function writeAll(fd: number, bytes: Buffer): { left: number; code: string } | undefined {
  let off = 0;
  // Each round writes at least one byte or ends: bounded by the length.
  for (let rounds = 0; off < bytes.length && rounds <= bytes.length; rounds++) {
    try {
      const n = writeSync(fd, bytes, off, bytes.length - off);
      if (n <= 0) return { left: bytes.length - off, code: 'EIO' };
      off += n;
    } catch (error) {
      return { left: bytes.length - off, code: (error as NodeJS.ErrnoException).code ?? 'EIO' };
    }
  }
  return undefined;
}

/** The service log: appends, and drops (counting) what cannot be written instead of failing. */
export class LogSink {
  private readonly state: RelayState = { dropping: false, dropped: 0 };
  private recordFd: number | undefined;
  private lastTry = 0;
  private atLineStart = true;
  private retry: NodeJS.Timeout | undefined;

  constructor(
    private readonly fd: number,
    logFile: string,
  ) {
    try {
      this.recordFd = openRegularSync(relayStatePath(logFile), 'w');
      if (writeAll(this.recordFd, encodeRelayState(this.state)) !== undefined) this.closeRecord();
    } catch {
      // No room even for the record: the marker in the log is what is left.
      this.closeRecord();
    }
  }

  write(bytes: Buffer): void {
    if (bytes.length === 0) return;
    if (this.state.dropping && !this.recover(false)) {
      this.state.dropped += bytes.length;
      return;
    }
    const failed = writeAll(this.fd, bytes);
    if (failed === undefined) {
      this.atLineStart = bytes[bytes.length - 1] === 0x0a;
      return;
    }
    if (failed.left < bytes.length) this.atLineStart = false;
    this.state.dropping = true;
    this.state.dropped += failed.left;
    this.state.since = Date.now();
    this.state.error = failed.code;
    delete this.state.until;
    this.lastTry = Date.now();
    this.saveRecord();
    this.retry = setInterval(() => this.recover(true), RETRY_MS);
    this.retry.unref();
  }

  /** Tries to write the marker that ends a dropping spell; true when the log works again. */
  recover(force: boolean): boolean {
    const now = Date.now();
    if (!force && now - this.lastTry < RETRY_MS) return false;
    this.lastTry = now;
    const since = new Date(this.state.since ?? now).toISOString();
    const marker = Buffer.from(
      `${this.atLineStart ? '' : '\n'}stagecraft log relay: ${this.state.dropped} bytes of output dropped from ${since} to ${new Date(now).toISOString()}: the log could not be written (${this.state.error ?? '?'})\n`,
    );
    // Only a marker written whole ends the spell (a partial one is retried whole).
    if (writeAll(this.fd, marker) !== undefined) {
      this.saveRecord();
      return false;
    }
    this.atLineStart = true;
    this.state.dropping = false;
    this.state.until = now;
    clearInterval(this.retry);
    this.saveRecord();
    return true;
  }

  close(): void {
    if (this.state.dropping) this.recover(true);
    clearInterval(this.retry);
    this.closeRecord();
    closeSync(this.fd);
  }

  private saveRecord(): void {
    if (this.recordFd === undefined) return;
    try {
      writeSync(this.recordFd, encodeRelayState(this.state), 0, undefined, 0);
    } catch {
      // The record is best effort; the log's marker is the lasting trace.
    }
  }

  private closeRecord(): void {
    if (this.recordFd === undefined) return;
    try {
      closeSync(this.recordFd);
    } catch {
      // already closed
    }
    this.recordFd = undefined;
  }
}
