/**
 * The one secret masker (secret values are never printed, journaled, exported or
 * sent). Every exit — the terminal, JSON lines, every file of the state dir, log files, messages
 * to other operators — masks through a {@link Masker} built from the run's secret values: on
 * values before they are serialised ({@link Masker.value}), on text ({@link Masker.text}), and on
 * byte streams as they are written ({@link Masker.stream}), with a secret split across chunks
 * still caught. One mask string, whatever the length of the secret.
 */

/** What a secret value is replaced with, everywhere. */
export const MASK = '••••••';

/**
 * Values shorter than this are not masked: masking a one- or two-character value would mangle
 * every output it appears in, and such a value is not a secret worth the name. `validate` warns.
 */
const MIN_SECRET_LENGTH = 3;

const MASK_LATIN1 = Buffer.from(MASK, 'utf8').toString('latin1');

/** Masks a byte stream chunk by chunk. */
export interface StreamMasker {
  /** The bytes of `chunk` (and of what was held back) that are safe to write now. */
  push(chunk: Buffer): Buffer;
  /** The held-back rest, masked: call once at the end of the stream. */
  end(): Buffer;
}

/** A masker for a set of secret values. */
export class Masker {
  /** A masker that masks nothing (no secrets). */
  static readonly none = new Masker([]);

  /** Longest first, so a secret that contains another is masked whole. */
  private readonly secrets: readonly string[];
  /** The same, as latin1 strings of their UTF-8 bytes (byte-exact stream matching). */
  private readonly bytes: readonly string[];

  constructor(values: Iterable<string>) {
    const kept = [...values].filter((v) => v.length >= MIN_SECRET_LENGTH);
    // Safety net: a secret with a quote, a backslash or a control character is also masked in its
    // JSON-escaped forms (text already serialised, or serialised twice), whatever reaches text().
    this.secrets = [...new Set(kept.flatMap(escapedForms))].sort((a, b) => b.length - a.length);
    this.bytes = this.secrets.map((s) => Buffer.from(s, 'utf8').toString('latin1'));
  }

  /**
   * The values masked (for the command runner, which masks a command's output in its own
   * process; they travel on its stdin, never on a command line).
   */
  get values(): readonly string[] {
    return this.secrets;
  }

  /** Whether there is anything to mask. */
  get active(): boolean {
    return this.secrets.length > 0;
  }

  /** `text` with every secret value replaced by {@link MASK}. */
  text(text: string): string {
    let out = text;
    for (const s of this.secrets) if (out.includes(s)) out = out.split(s).join(MASK);
    return out;
  }

  /**
   * A deep copy of `value` with every secret masked in every string, keys included (`toJSON` is
   * honoured, cycles are cut). Apply before serialising: masking serialised JSON would miss a
   * secret that JSON escapes (a quote, a backslash, a control character).
   */
  value<T>(value: T): T {
    if (!this.active) return value;
    const seen = new WeakSet<object>();
    const walk = (v: unknown): unknown => {
      if (typeof v === 'string') return this.text(v);
      if (typeof v !== 'object' || v === null) return v;
      const json = (v as { toJSON?: unknown }).toJSON;
      if (typeof json === 'function') return walk((json as () => unknown).call(v));
      if (seen.has(v)) return '[circular]';
      seen.add(v);
      const out: unknown = Array.isArray(v)
        ? v.map(walk)
        : Object.fromEntries(Object.entries(v).map(([k, inner]) => [this.text(k), walk(inner)]));
      seen.delete(v);
      return out;
    };
    return walk(value) as T;
  }

  /**
   * A stream masker: after each chunk it holds back only the tail that could still grow into a
   * secret, so a log keeps up with a quiet writer while a secret split over writes is masked.
   * Share one between the streams of one command (stdout and stderr interleave into one log).
   */
  stream(): StreamMasker {
    const secrets = this.bytes;
    if (secrets.length === 0) return { push: (c) => c, end: () => Buffer.alloc(0) };
    const replace = (text: string): string =>
      secrets.reduce((t, s) => (t.includes(s) ? t.split(s).join(MASK_LATIN1) : t), text);
    let carry = '';
    return {
      push(chunk) {
        const masked = replace(carry + chunk.toString('latin1'));
        const hold = pendingPrefix(masked, secrets);
        carry = masked.slice(masked.length - hold);
        return Buffer.from(masked.slice(0, masked.length - hold), 'latin1');
      },
      end() {
        const rest = replace(carry);
        carry = '';
        return Buffer.from(rest, 'latin1');
      },
    };
  }
}

/** A secret and the forms JSON gives it: escaped once, escaped twice, and with \\u escapes. */
function escapedForms(secret: string): string[] {
  const once = JSON.stringify(secret).slice(1, -1);
  const twice = JSON.stringify(once).slice(1, -1);
  const ascii = once.replace(
    /[^\x20-\x7e]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return [secret, once, twice, ascii];
}

/** The length of the longest suffix of `text` that is a proper prefix of one of `secrets`. */
function pendingPrefix(text: string, secrets: readonly string[]): number {
  const longest = Math.max(0, ...secrets.map((s) => s.length - 1));
  for (let len = Math.min(text.length, longest); len > 0; len--) {
    const tail = text.slice(text.length - len);
    if (secrets.some((s) => s.length > len && s.startsWith(tail))) return len;
  }
  return 0;
}
