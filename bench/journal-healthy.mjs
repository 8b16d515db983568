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
 * service name → epoch ms at which its `healthy` state was journaled.
 *
 * TODAY's journal is an XState inspection trace: a service turning healthy shows up as entries
 * `{ type: 'event', event: { type: 'service.update', state: 'healthy', service }, ts }`, logged
 * once by every actor that receives the update (the stage, the deployment); the earliest `ts`
 * per service is the moment it was first journaled. Replace this function's body when the
 * journal format changes; its callers only need the Map.
 */
export function healthyTimes(entries) {
  const times = new Map();
  for (const e of entries) {
    if (e?.type !== 'event') continue;
    const ev = e.event;
    if (ev?.type !== 'service.update' || ev.state !== 'healthy' || typeof ev.service !== 'string')
      continue;
    const known = times.get(ev.service);
    if (known === undefined || e.ts < known) times.set(ev.service, e.ts);
  }
  return times;
}
