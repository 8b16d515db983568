// When each service became healthy, read from a deployment's journal. The ONE place the bench
// depends on the journal's format, so that it can be swapped when the format changes.
import { readFileSync } from 'node:fs';

/** The journal's entries (`<state-dir>/deployments/<id>/journal.jsonl`); a torn last line is skipped. */
export function readJournal(path) {
  const entries = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      entries.push(JSON.parse(line));
    } catch {
      // a line cut off by a crash mid-write: ignore it, as stagecraft does
    }
  }
  return entries;
}

/**
 * service name → epoch ms at which its `healthy` state was journaled: the journal holds one
 * deployment fact per line, and a service turning healthy is `{ type: 'service.state', service,
 * state: 'healthy', ts }` (the first one per service counts).
 */
export function healthyTimes(entries) {
  const times = new Map();
  for (const e of entries) {
    if (e?.type !== 'service.state' || e.state !== 'healthy' || typeof e.service !== 'string')
      continue;
    if (!times.has(e.service)) times.set(e.service, e.ts);
  }
  return times;
}
