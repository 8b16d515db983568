/**
 * Durations (`250ms 2s 5m 1h`, plain numbers are ms) and sizes (`512MiB 2GiB 1GB`, plain
 * numbers are bytes) as zod schemas whose output is a number.
 */
import { z } from 'zod';

const DURATION_RE = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)$/;
const DURATION_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

const SIZE_RE = /^(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)?$/;
const SIZE_BYTES: Record<string, number> = {
  B: 1,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
  TB: 1e12,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
  TiB: 1024 ** 4,
};

/** `2s` → 2000; undefined when not a duration. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION_RE.exec(text.trim());
  if (!m) return undefined;
  return Math.round(Number(m[1]) * DURATION_MS[m[2]!]!);
}

/** `512MiB` → 536870912; undefined when not a size. */
export function parseSize(text: string): number | undefined {
  const m = SIZE_RE.exec(text.trim());
  if (!m) return undefined;
  return Math.round(Number(m[1]) * SIZE_BYTES[m[2] ?? 'B']!);
}

const DURATION_MSG = 'expected a duration like 250ms, 2s, 5m or 1h';

/**
 * The longest duration a config may give: 576h (24 days), within what a timer can hold (about
 * 24.8 days; a longer timer would fire at once).
 */
const MAX_DURATION_MS = 576 * 3_600_000;
const SIZE_MSG = 'expected a size like 512MiB or 2GiB (or a number of bytes)';

/** A duration, parsed to milliseconds. */
export const durationSchema = z
  .union(
    [
      z.number({ error: DURATION_MSG }).nonnegative(),
      z.string({ error: DURATION_MSG }).regex(DURATION_RE, { error: DURATION_MSG }),
    ],
    { error: DURATION_MSG },
  )
  .transform((v) => (typeof v === 'number' ? v : parseDuration(v)!))
  .refine((ms) => ms <= MAX_DURATION_MS, {
    error: 'at most 576h (24 days): a longer wait cannot be timed',
  })
  .meta({
    description: 'A duration: 250ms, 2s, 5m, 1h (a plain number is milliseconds); at most 576h.',
  });

/** A size, parsed to bytes. */
export const sizeSchema = z
  .union(
    [
      z.number({ error: SIZE_MSG }).nonnegative(),
      z.string({ error: SIZE_MSG }).regex(SIZE_RE, { error: SIZE_MSG }),
    ],
    { error: SIZE_MSG },
  )
  .transform((v) => (typeof v === 'number' ? v : parseSize(v)!))
  .meta({ description: 'A size: 512MiB, 2GiB, 1GB (a plain number is bytes).' });
