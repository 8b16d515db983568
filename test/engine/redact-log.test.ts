import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { redactLogFile } from '../../src/cli/engine/redact-log.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function logWith(text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'stagecraft-redact-'));
  dirs.push(dir);
  const file = join(dir, 'cmd.log');
  await writeFile(file, text);
  return file;
}

describe('redacting a command log', () => {
  test('masks every occurrence, including one that straddles a read chunk boundary', async () => {
    const secret = 's3cr3t-value-42';
    // The default read chunk is 64 KiB: put one occurrence across that boundary.
    const text = `${'a'.repeat(65_536 - 5)}${secret}\n${'b'.repeat(100)} ${secret} ${secret}\n`;
    const file = await logWith(text);
    await redactLogFile(file, [secret]);
    const out = await readFile(file, 'utf8');
    expect(out).not.toContain(secret);
    expect(out.match(/\*\*\*/g)).toHaveLength(3);
    expect(out).toBe(text.split(secret).join('***'));
  });

  test('masks a multi-byte secret and leaves the rest of the bytes as they were', async () => {
    const secret = 'mot-de-passe-été';
    const file = await logWith(`début ${secret} fin ✓\n`);
    await redactLogFile(file, [secret]);
    expect(await readFile(file, 'utf8')).toBe('début *** fin ✓\n');
  });

  test('leaves a log without secrets untouched, and a missing log is not an error', async () => {
    const file = await logWith('nothing to hide\n');
    await redactLogFile(file, ['s3cr3t-value-42']);
    expect(await readFile(file, 'utf8')).toBe('nothing to hide\n');
    await expect(redactLogFile(`${file}.missing`, ['s3cr3t-value-42'])).resolves.toBeUndefined();
  });
});
