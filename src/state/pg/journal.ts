/**
 * A deployment's journal in PostgreSQL: rows of an append-only table, written in batches. An
 * append is durable (committed) when its promise resolves, as with the file journal, so what the
 * driver reports has been journaled. Appends that arrive while a write is in flight, or within a
 * short linger, go in the next one multi-row INSERT; a phase, decision, lock or run transition is
 * written at once, taking whatever is queued with it.
 */
import type pg from 'pg';
import { Masker } from '../../core/mask.js';
import type { JournalEntry, JournalInput } from '../journal.js';
import type { JournalWriter } from '../store.js';

/** How long an ordinary fact may wait for others to share its write. */
export const JOURNAL_LINGER_MS = 20;

/** Facts written without lingering. */
const URGENT = /^(run\.|phase\.|decision\.|lock\.|deployment\.|resume\.|rollback\.)/;

interface Pending {
  seq: number;
  type: string;
  entry: string;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Opens the journal of deployment `id`, continuing after its last `seq`. */
export async function openPgJournal(
  client: pg.ClientBase,
  id: string,
  mask: Masker = Masker.none,
): Promise<JournalWriter> {
  const r = await client.query<{ s: number | null }>(
    'SELECT max(seq) AS s FROM stagecraft_journal WHERE deployment_id = $1',
    [id],
  );
  return new PgJournal(client, id, r.rows[0]?.s ?? 0, mask);
}

class PgJournal implements JournalWriter {
  private queue: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly client: pg.ClientBase,
    private readonly id: string,
    private seq: number,
    private readonly mask: Masker,
  ) {}

  append(entry: JournalInput): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`the journal of ${this.id} is closed`));
    this.seq += 1;
    const full = this.mask.value({
      ...entry,
      ts: entry.ts ?? Date.now(),
      seq: this.seq,
    } as JournalEntry);
    return new Promise<void>((resolve, reject) => {
      this.queue.push({
        seq: full.seq,
        type: full.type,
        entry: JSON.stringify(full),
        resolve,
        reject,
      });
      if (URGENT.test(full.type)) this.kick();
      else this.timer ??= setTimeout(() => this.kick(), JOURNAL_LINGER_MS);
    });
  }

  appendSync(): void {
    // A database cannot be written synchronously: see JournalWriter.appendSync.
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.kick();
    await this.flushing;
  }

  private kick(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    // With nothing queued, flushLoop() would finish synchronously, clearing `flushing` before
    // `??=` stores its settled promise there: every later kick would then be a no-op and every
    // later append would wait forever (a linger timer that fires after a flush took its fact).
    if (this.queue.length === 0) return;
    this.flushing ??= this.flushLoop();
  }

  private async flushLoop(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0);
        try {
          await this.client.query(
            `INSERT INTO stagecraft_journal (deployment_id, seq, type, entry)
             SELECT $1, x.seq, x.type, x.entry
             FROM jsonb_to_recordset($2::jsonb) AS x(seq integer, type text, entry jsonb)`,
            [
              this.id,
              `[${batch.map((p) => `{"seq":${p.seq},"type":${JSON.stringify(p.type)},"entry":${p.entry}}`).join(',')}]`,
            ],
          );
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
