import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { runCommand } from '../../src/adapters/exec.js';
import { createRedactor } from '../../src/adapters/redactor.js';
import { tempDir, until } from './effect-helpers.js';

const secret = 's3cr3t-value-42';

function through(chunks: string[], secrets: string[]): string {
  const r = createRedactor(secrets);
  const out = chunks.map((c) => r.push(Buffer.from(c, 'utf8')));
  return Buffer.concat([...out, r.end()]).toString('utf8');
}

describe('redacting output as it is written', () => {
  test('masks a secret split across chunks at every possible point', () => {
    const text = `before ${secret} middle ${secret} after`;
    for (let cut = 1; cut < text.length; cut++) {
      expect(through([text.slice(0, cut), text.slice(cut)], [secret])).toBe(
        'before *** middle *** after',
      );
    }
  });

  test('masks a multi-byte secret and keeps the other bytes as they were', () => {
    const pass = 'mot-de-passe-été';
    const bytes = Buffer.from(`début ${pass} fin ✓`, 'utf8');
    const r = createRedactor([pass]);
    const out = Buffer.concat([r.push(bytes.subarray(0, 17)), r.push(bytes.subarray(17)), r.end()]);
    expect(out.toString('utf8')).toBe('début *** fin ✓');
  });

  test('passes output through untouched when there is no secret', () => {
    expect(through(['a', 'b'], [])).toBe('ab');
  });
});

describe('a command that prints a secret', () => {
  let dir: string;
  let remove: () => Promise<void>;
  beforeEach(async () => {
    ({ dir, remove } = await tempDir());
  });
  afterEach(() => remove());

  test('never has the secret in its log file, even while it still runs', async () => {
    const logFile = join(dir, 'cmd.log');
    // Longer than the held-back window (longest secret - 1 bytes), so it reaches the disk at once.
    const pad = 'x'.repeat(40);
    const gate = join(dir, 'go');
    const run = runCommand(
      {
        // Prints the secret in two writes, then waits for the test's gate before exiting.
        run: `printf 's3cr3t-'; printf 'value-42 done ${pad}\\n'; while [ ! -e '${gate}' ]; do sleep 0.02; done`,
        cwd: dir,
        env: {},
      },
      { env: {}, timeoutMs: 10_000, logFile, secretValues: [secret] },
    );
    const during = await until('output in the log', async () => {
      const text = await readFile(logFile, 'utf8').catch(() => '');
      return text.includes('done') ? text : undefined;
    });
    expect(during).not.toContain(secret);
    await writeFile(gate, '');
    const out = await run;
    expect(out.exitCode).toBe(0);
    expect(out.outputTail).toBe(`*** done ${pad}\n`);
    expect(await readFile(logFile, 'utf8')).toBe(`*** done ${pad}\n`);
  });
});
