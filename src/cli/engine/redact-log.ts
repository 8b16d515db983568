/**
 * Masks secret values in a command's log file after the command ended. The exec adapter writes
 * the raw output; secrets must not stay in the state dir (PRODUCT.md §3), so the file is rewritten
 * through a streaming replace (bounded memory for logs of any size) and renamed over the original.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { once } from 'node:events';

const MASK = '***';

/** Replaces every secret value in `path` with `***`; a missing file or no secrets is a no-op. */
export async function redactLogFile(path: string, secretValues: string[]): Promise<void> {
  // Compared byte for byte (latin1 keeps one char per byte), so multi-byte secrets match too.
  const secrets = [...new Set(secretValues.filter((v) => v.length >= 3))]
    .map((v) => Buffer.from(v, 'utf8').toString('latin1'))
    .sort((a, b) => b.length - a.length);
  if (secrets.length === 0) return;
  const keep = Math.max(...secrets.map((s) => s.length)) - 1;
  const replace = (text: string): string =>
    secrets.reduce((t, s) => (t.includes(s) ? t.split(s).join(MASK) : t), text);

  const tmp = `${path}.redacting`;
  const input = createReadStream(path);
  const output = createWriteStream(tmp, { mode: 0o600 });
  let carry = '';
  let changed = false;
  try {
    for await (const chunk of input) {
      const text = carry + (chunk as Buffer).toString('latin1');
      const masked = replace(text);
      if (masked !== text) changed = true;
      const cut = Math.max(0, masked.length - keep);
      carry = masked.slice(cut);
      if (!output.write(Buffer.from(masked.slice(0, cut), 'latin1'))) await once(output, 'drain');
    }
    const last = replace(carry);
    if (last !== carry) changed = true;
    output.end(Buffer.from(last, 'latin1'));
    await once(output, 'finish');
  } catch {
    output.destroy();
    await rm(tmp, { force: true });
    return;
  }
  if (changed) await rename(tmp, path);
  else await rm(tmp, { force: true });
}
