/**
 * The deployment journal: one JSON object per line, appended and fsync'd before `append`
 * resolves. Concurrent appends are batched into one write + fsync, in call order.
 * Every entry is masked ({@link Masker.value}) before it is serialised.
 */
import * as fs from 'node:fs';
import { mkdir, open, readFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { StagecraftError } from '../core/errors.js';
import { Masker } from '../core/mask.js';
import { fsyncDir, stateIoError } from './files.js';

/** One journal line. `seq` is 1-based and strictly increasing within a journal file. */
export interface JournalEntry {
  ts: number;
  seq: number;
  type: string;
  [k: string]: unknown;
}

/** What callers append: `seq` is assigned by the journal, `ts` defaults to now. */
export type JournalInput = Omit<JournalEntry, 'seq' | 'ts'> & { ts?: number };

/** Options of {@link Journal.open}. */
export interface JournalOptions {
  /** Masks secret values in every entry before it is written. */
  mask?: Masker;
}

interface Pending {
  line: string;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** A journal opened for appending. Open one per deployment; close it when the deployment ends. */
export class Journal {
  private queue: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    private seq: number,
    private readonly mask: Masker,
  ) {}

  /**
   * Open (or create) the journal at `path`. An existing journal continues its sequence; a torn
   * last line left by a crash is cut off first, so new lines never glue onto it.
   */
  static async open(path: string, options: JournalOptions = {}): Promise<Journal> {
    await mkdir(dirname(path), { recursive: true });
    const { entries, validBytes, totalBytes, lastLineUnterminated } = await scan(path);
    const handle = await open(path, 'a+', 0o600);
    try {
      if (validBytes < totalBytes) {
        await handle.truncate(validBytes);
        await handle.sync();
      } else if (lastLineUnterminated) {
        await handle.appendFile('\n');
        await handle.sync();
      }
      if (totalBytes === 0) await fsyncDir(dirname(path));
    } catch (error) {
      await handle.close();
      throw error;
    }
    const lastSeq = entries.reduce((max, e) => Math.max(max, e.seq), 0);
    return new Journal(path, handle, lastSeq, options.mask ?? Masker.none);
  }

  /** The `seq` of the last entry appended (0 when empty). */
  get lastSeq(): number {
    return this.seq;
  }

  /** Append one entry; durable (written and fsync'd) when the promise resolves. */
  append(entry: JournalInput): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`journal ${this.path} is closed`));
    const line = this.serialise(entry);
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ line, resolve, reject });
      this.flushing ??= this.flushLoop();
    });
  }

  /**
   * Append synchronously (for exit paths, e.g. a signal handler about to exit): entries queued
   * but not yet handed to the OS are written first, so call order is kept.
   */
  appendSync(entry: JournalInput): void {
    if (this.closed) throw new Error(`journal ${this.path} is closed`);
    const line = this.serialise(entry);
    const waiting = this.queue.splice(0);
    fs.writeSync(this.handle.fd, waiting.map((p) => p.line).join('') + line);
    fs.fsyncSync(this.handle.fd);
    for (const p of waiting) p.resolve();
  }

  /** Wait for queued appends, then close the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.flushing;
    await this.handle.close();
  }

  private serialise(entry: JournalInput): string {
    this.seq += 1;
    const full = { ...entry, ts: entry.ts ?? Date.now(), seq: this.seq };
    return `${JSON.stringify(this.mask.value(full))}\n`;
  }

  private async flushLoop(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0);
        try {
          await this.handle.appendFile(batch.map((p) => p.line).join(''));
          await this.handle.sync();
          for (const p of batch) p.resolve();
        } catch (error) {
          for (const p of batch) p.reject(error);
        }
      }
    } finally {
      this.flushing = undefined;
    }
  }
}

/** The outcome of reading a journal. `tornTail` is true when an unreadable tail was ignored. */
export interface JournalRead {
  entries: JournalEntry[];
  tornTail: boolean;
}

/** The error for a journal damaged before its last line (not a crash artefact). */
function journalCorrupt(path: string, line: number): StagecraftError {
  return new StagecraftError(
    'state-corrupt',
    `the journal ${path} is damaged at line ${line} (not its last line); it cannot be read. Move the deployment's folder aside to go on without it`,
    { path },
  );
}

/**
 * Read a journal in `seq` order. A torn tail (a crash during a write: a half line, or garbage
 * after the last complete entry) is tolerated and reported as `tornTail`; a damaged line
 * followed by good ones is a `state-corrupt` error. A missing file reads as empty.
 */
export async function readJournal(path: string): Promise<JournalRead> {
  const { entries, validBytes, totalBytes } = await scan(path);
  return { entries: [...entries].sort((a, b) => a.seq - b.seq), tornTail: validBytes < totalBytes };
}

interface Scan {
  entries: JournalEntry[];
  /** Bytes up to the end of the last valid line (including its newline, when there is one). */
  validBytes: number;
  totalBytes: number;
  lastLineUnterminated: boolean;
}

function parseEntry(text: string): JournalEntry | undefined {
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
    const e = v as Partial<JournalEntry>;
    if (typeof e.seq !== 'number' || typeof e.ts !== 'number' || typeof e.type !== 'string')
      return undefined;
    return v as JournalEntry;
  } catch {
    return undefined;
  }
}

async function scan(path: string): Promise<Scan> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') {
      return { entries: [], validBytes: 0, totalBytes: 0, lastLineUnterminated: false };
    }
    throw stateIoError(error, path, 'read');
  }
  const entries: JournalEntry[] = [];
  let validBytes = 0;
  let lastLineUnterminated = false;
  let firstBadLine: number | undefined;
  let start = 0;
  let lineNo = 0;
  while (start < buf.length) {
    const nl = buf.indexOf(0x0a, start);
    const end = nl === -1 ? buf.length : nl + 1;
    lineNo += 1;
    const text = buf.subarray(start, nl === -1 ? buf.length : nl).toString('utf8');
    if (text.trim() === '') {
      if (firstBadLine === undefined) validBytes = end;
    } else {
      const entry = parseEntry(text);
      if (entry === undefined) firstBadLine ??= lineNo;
      else if (firstBadLine !== undefined) throw journalCorrupt(path, firstBadLine);
      else {
        entries.push(entry);
        validBytes = end;
        lastLineUnterminated = nl === -1;
      }
    }
    start = end;
  }
  return { entries, validBytes, totalBytes: buf.length, lastLineUnterminated };
}
