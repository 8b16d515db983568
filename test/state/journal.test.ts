import { MASK, Masker } from '../../src/core/mask.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal, readJournal } from '../../src/state/journal.js';

let dir: string;
let journals: Journal[] = [];
let children: ChildProcess[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stagecraft-journal-'));
});

afterEach(async () => {
  for (const j of journals) await j.close();
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  journals = [];
  children = [];
  await rm(dir, { recursive: true, force: true });
});

async function openJournal(path: string, secretValues: string[] = []): Promise<Journal> {
  const j = await Journal.open(path, { mask: new Masker(secretValues) });
  journals.push(j);
  return j;
}

describe('Journal', () => {
  it('appends entries durably and reads them back in order with seq and ts', async () => {
    const path = join(dir, 'd', 'journal.jsonl');
    const j = await openJournal(path);
    await j.append({ type: 'deployment.started', env: 'staging' });
    await j.append({ type: 'service.activated', service: 'api', ts: 42 });
    const { entries, tornTail } = await readJournal(path);
    expect(tornTail).toBe(false);
    expect(entries.map((e) => [e.seq, e.type])).toEqual([
      [1, 'deployment.started'],
      [2, 'service.activated'],
    ]);
    expect(entries[1]?.ts).toBe(42);
    expect(typeof entries[0]?.ts).toBe('number');
  });

  it('keeps every line and the call order when many appends run concurrently', async () => {
    const path = join(dir, 'journal.jsonl');
    const j = await openJournal(path);
    await Promise.all(Array.from({ length: 300 }, (_, i) => j.append({ type: 'tick', i })));
    const lines = (await readFile(path, 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(300);
    const parsed = lines.map((l) => JSON.parse(l) as { i: number; seq: number });
    expect(parsed.map((e) => e.i)).toEqual(Array.from({ length: 300 }, (_, i) => i));
    expect(parsed.map((e) => e.seq)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
  });

  it('writes queued entries before a synchronous append so order is kept on the exit path', async () => {
    const path = join(dir, 'journal.jsonl');
    const j = await openJournal(path);
    const pending = [j.append({ type: 'a' }), j.append({ type: 'b' })];
    j.appendSync({ type: 'interrupted' });
    await Promise.all(pending);
    const { entries } = await readJournal(path);
    expect(entries.map((e) => e.type)).toEqual(['a', 'b', 'interrupted']);
  });

  it('returns the entries before a torn last line and reports the tear', async () => {
    const path = join(dir, 'journal.jsonl');
    const j = await openJournal(path);
    await j.append({ type: 'one' });
    await j.append({ type: 'two' });
    await appendFile(path, '{"ts":1,"seq":3,"type":"thr');
    const { entries, tornTail } = await readJournal(path);
    expect(entries.map((e) => e.type)).toEqual(['one', 'two']);
    expect(tornTail).toBe(true);
  });

  it('cuts a torn tail off when reopened and continues the sequence after it', async () => {
    const path = join(dir, 'journal.jsonl');
    await writeFile(
      path,
      '{"ts":1,"seq":1,"type":"one"}\n{"ts":2,"seq":2,"type":"two"}\n{"ts":3,"se',
    );
    const j = await openJournal(path);
    await j.append({ type: 'three' });
    const { entries, tornTail } = await readJournal(path);
    expect(tornTail).toBe(false);
    expect(entries.map((e) => [e.seq, e.type])).toEqual([
      [1, 'one'],
      [2, 'two'],
      [3, 'three'],
    ]);
  });

  it('keeps a complete last entry that only lacks its newline', async () => {
    const path = join(dir, 'journal.jsonl');
    await writeFile(path, '{"ts":1,"seq":1,"type":"one"}');
    expect((await readJournal(path)).tornTail).toBe(false);
    const j = await openJournal(path);
    await j.append({ type: 'two' });
    expect((await readJournal(path)).entries.map((e) => e.type)).toEqual(['one', 'two']);
  });

  it('refuses a journal damaged before its last line, naming the line', async () => {
    const path = join(dir, 'journal.jsonl');
    await writeFile(
      path,
      '{"ts":1,"seq":1,"type":"one"}\nnot json\n{"ts":3,"seq":3,"type":"three"}\n',
    );
    await expect(readJournal(path)).rejects.toMatchObject({ kind: 'state-corrupt' });
    await expect(readJournal(path)).rejects.toThrow(/line 2/);
  });

  it('reads a missing journal as empty', async () => {
    expect(await readJournal(join(dir, 'nope.jsonl'))).toEqual({ entries: [], tornTail: false });
  });

  it('never writes a secret value, wherever it occurs in an entry', async () => {
    const path = join(dir, 'journal.jsonl');
    const j = await openJournal(path, ['hunter2']);
    await j.append({
      type: 'command.finished',
      outputTail: 'connecting with password=hunter2 ...',
      nested: { list: ['x', 'hunter2'] },
    });
    const text = await readFile(path, 'utf8');
    expect(text).not.toContain('hunter2');
    expect(text).toContain(MASK);
  });

  it('keeps every acknowledged append when the writing process is killed with SIGKILL', async () => {
    const path = join(dir, 'journal.jsonl');
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(import.meta.dirname, '../fixtures/durability/journal-writer.ts'),
        path,
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    children.push(child);
    let acked = 0;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    await new Promise<void>((resolve, reject) => {
      const deadline = setTimeout(
        () => reject(new Error('journal writer produced no acknowledgements')),
        20_000,
      );
      child.stdout?.on('data', (chunk: Buffer) => {
        for (const line of chunk.toString().split('\n'))
          if (line.trim() !== '') acked = Math.max(acked, Number(line));
        if (acked >= 40) {
          clearTimeout(deadline);
          child.kill('SIGKILL');
          resolve();
        }
      });
    });
    await exited;
    const { entries } = await readJournal(path);
    const seqs = entries.map((e) => e.seq);
    expect(seqs.length).toBeGreaterThanOrEqual(acked);
    expect(seqs.slice(0, acked)).toEqual(Array.from({ length: acked }, (_, i) => i + 1));
  });
});
