/**
 * The recorded journals of test/fixtures/journals (real runs of the built CLI on copies of
 * examples/local-stack and examples/failing-stack; see the README there), read the way `show`
 * and `resume` read a journal.
 */
import { fileURLToPath } from 'node:url';
import type { StampedFact } from '../../src/record/facts.js';
import { foldFacts, type RunRecord, type ServiceRow } from '../../src/record/fold.js';
import { readJournal } from '../../src/state/journal.js';

/** The recorded journals. */
export type JournalName =
  | 'local-stack-succeeded'
  | 'local-stack-down'
  | 'local-stack-interrupted'
  | 'local-stack-implicit'
  | 'failing-stack-rolled-back'
  | 'failing-stack-decisions';

/** The facts of a recorded journal, in `seq` order. */
export async function journal(name: JournalName): Promise<StampedFact[]> {
  const path = fileURLToPath(new URL(`../fixtures/journals/${name}.jsonl`, import.meta.url));
  const read = await readJournal(path);
  if (read.tornTail) throw new Error(`the fixture ${name} has a torn tail`);
  return read.entries as unknown as StampedFact[];
}

/** The record of a recorded journal. */
export async function recordOf(name: JournalName): Promise<RunRecord> {
  return foldFacts(await journal(name));
}

/** The time of the fact with sequence number `seq`. */
export async function tsOf(name: JournalName, seq: number): Promise<number> {
  const entry = (await journal(name)).find((f) => (f as { seq?: number }).seq === seq);
  if (entry === undefined) throw new Error(`no fact #${seq} in ${name}`);
  return entry.ts;
}

/** The states a service went through, as one line. */
export const path = (row: ServiceRow | undefined): string =>
  (row?.steps ?? []).map((s) => s.state).join(' > ');

/** `name:status` of each stage or group row. */
export const statuses = (rows: ReadonlyArray<{ name: string; status: string }>): string[] =>
  rows.map((r) => `${r.name}:${r.status}`);
