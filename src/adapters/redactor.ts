/**
 * Masks secret values in a byte stream as it is written, so a secret a command prints never
 * reaches the disk, even while the command still runs. A secret split across two chunks is still
 * caught: the last (longest secret − 1) bytes are held back until the next chunk or `end()`.
 * Bytes are compared one to one (latin1), so multi-byte secrets match too.
 */
const MASK = '***';

/** The variable that names (comma-separated) the secrets the log relay must mask. */
export const REDACT_VAR = 'STAGECRAFT_REDACT';

/** A stateful masker for one stream. */
export interface Redactor {
  /** The bytes that are safe to write now. */
  push(chunk: Buffer): Buffer;
  /** The held-back rest, masked: call once at the end of the stream. */
  end(): Buffer;
}

/** A redactor for `secretValues` (values shorter than 3 characters are not masked). */
export function createRedactor(secretValues: readonly string[]): Redactor {
  const secrets = [...new Set(secretValues.filter((v) => v.length >= 3))]
    .map((v) => Buffer.from(v, 'utf8').toString('latin1'))
    .sort((a, b) => b.length - a.length);
  if (secrets.length === 0) return { push: (c) => c, end: () => Buffer.alloc(0) };
  const keep = Math.max(...secrets.map((s) => s.length)) - 1;
  const replace = (text: string): string =>
    secrets.reduce((t, s) => (t.includes(s) ? t.split(s).join(MASK) : t), text);
  let carry = '';
  return {
    push(chunk) {
      const masked = replace(carry + chunk.toString('latin1'));
      const cut = Math.max(0, masked.length - keep);
      carry = masked.slice(cut);
      return Buffer.from(masked.slice(0, cut), 'latin1');
    },
    end() {
      const rest = replace(carry);
      carry = '';
      return Buffer.from(rest, 'latin1');
    },
  };
}
