/**
 * Sentinel secrets for the attack suite: unique random strings with a quote, a backslash and
 * control characters, made of random hex pieces. A leak is any one piece seen anywhere — raw,
 * JSON-escaped, split or escaped for a terminal, a piece survives every encoding stagecraft could
 * apply, so finding none proves the whole value was masked before it was written.
 */
import { readdir, readFile, lstat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Rand } from './rand.js';

/** The values one case plants, and the pieces that betray them. */
export interface Sentinels {
  /** The secret ATTACK_SECRET: `"`, `\`, \x01 and a tab between its pieces. */
  secret: string;
  /** The secret S_SPLIT, which split-secret.mjs writes half to stdout, half to stderr. */
  split: string;
  /** A non-secret variable (DB_URL) embedding the secret, passed with --var. */
  dbUrl: string;
  pieces: string[];
}

const hex = (rand: Rand): string =>
  Array.from({ length: 10 }, () => Math.floor(rand() * 16).toString(16)).join('');

/** Fresh sentinels from the case's generator. */
export function makeSentinels(rand: Rand): Sentinels {
  const p = Array.from({ length: 6 }, () => hex(rand));
  const secret = `sk"${p[0]}\\${p[1]}\u0001${p[2]}\t${p[3]}`;
  return {
    secret,
    split: `sp-${p[4]}-${p[5]}`,
    dbUrl: `postgres://app:${secret}@db.internal/app`,
    pieces: p,
  };
}

/** The environment every CLI run of a case gets: the secrets, as an operator would export them. */
export function secretEnv(s: Sentinels): Record<string, string> {
  return { ATTACK_SECRET: s.secret, S_SPLIT: s.split };
}

/** Where a piece of a sentinel shows up in `texts` (by name): one line per place. */
export function leaksIn(s: Sentinels, texts: ReadonlyMap<string, string>): string[] {
  const found: string[] = [];
  for (const [where, text] of texts) {
    const seen = s.pieces.filter((piece) => text.includes(piece));
    if (seen.length > 0) found.push(`${where} (${seen.length} of ${s.pieces.length} pieces)`);
  }
  return found;
}

/** Every regular file under `dir` (state folder and logs included), at most `limit`, as text. */
export async function filesUnder(dir: string, limit = 5000): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const walk = async (at: string, depth: number): Promise<void> => {
    if (depth > 32 || files.size >= limit) return;
    let entries;
    try {
      entries = await readdir(at, { withFileTypes: true });
    } catch {
      return; // unreadable or gone: nothing stagecraft could have written there either
    }
    for (const e of entries) {
      const path = join(at, e.name);
      if (e.isDirectory()) await walk(path, depth + 1);
      else if (e.isFile() && files.size < limit) {
        const st = await lstat(path).catch(() => undefined);
        if (st === undefined || st.size > 64 * 1024 * 1024) continue;
        const text = await readFile(path, 'latin1').catch(() => '');
        files.set(relative(dir, path), text);
      }
    }
  };
  await walk(dir, 0);
  return files;
}
