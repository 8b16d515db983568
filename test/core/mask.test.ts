import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { runCommand } from '../../src/adapters/exec.js';
import { MASK, Masker } from '../../src/core/mask.js';
import { tempDir, until } from '../adapters/effect-helpers.js';

const secret = 's3cr3t-value-42';

function through(chunks: string[], secrets: string[]): string {
  const r = new Masker(secrets).stream();
  const out = chunks.map((c) => r.push(Buffer.from(c, 'utf8')));
  return Buffer.concat([...out, r.end()]).toString('utf8');
}

describe('masking a value before it is serialised', () => {
  test('replaces a secret nested anywhere, in values and keys, without touching the input', () => {
    const input = {
      a: 'token=s3cr3t;',
      b: [{ c: 's3cr3t' }, 7, null, true],
      d: { s3cr3t: 'key holds it', e: { f: ['deep s3cr3t deep'] } },
    };
    const out = new Masker(['s3cr3t', '']).value(input);
    expect(JSON.stringify(out)).not.toContain('s3cr3t');
    expect(out).toEqual({
      a: `token=${MASK};`,
      b: [{ c: MASK }, 7, null, true],
      d: { [MASK]: 'key holds it', e: { f: [`deep ${MASK} deep`] } },
    });
    expect(input.a).toBe('token=s3cr3t;');
  });

  test('masks a secret that JSON would escape (quote, backslash, control character)', () => {
    const tricky = 'pa"ss\\w\u0001rd';
    const line = JSON.stringify(new Masker([tricky]).value({ detail: `login with ${tricky}` }));
    expect(line).not.toContain(JSON.stringify(tricky).slice(1, -1));
    expect(JSON.parse(line)).toEqual({ detail: `login with ${MASK}` });
  });

  test('masks the JSON-escaped forms of a secret in text that was serialised already', () => {
    const tricky = 'pa"ss\\w\u0001rd-ü';
    const mask = new Masker([tricky]);
    const once = JSON.stringify({ detail: `login with ${tricky}` });
    const twice = JSON.stringify(once);
    const ascii = once.replace(
      /[^\x20-\x7e]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
    for (const text of [once, twice, ascii]) {
      expect(mask.text(text)).toContain(MASK);
      expect(mask.text(text)).not.toContain('rd-');
    }
    expect(through([once.slice(0, 20), once.slice(20)], [tricky])).toBe(mask.text(once));
  });

  test('replaces the longer of two overlapping secrets whole', () => {
    expect(new Masker(['abc', 'abcdef']).text('pw=abcdef')).toBe(`pw=${MASK}`);
  });
});

describe('masking output as it is written', () => {
  test('masks a secret split across chunks at every possible point', () => {
    const text = `before ${secret} middle ${secret} after`;
    for (let cut = 1; cut < text.length; cut++) {
      expect(through([text.slice(0, cut), text.slice(cut)], [secret])).toBe(
        `before ${MASK} middle ${MASK} after`,
      );
    }
  });

  test('masks a multi-byte secret and keeps the other bytes as they were', () => {
    const pass = 'mot-de-passe-été';
    const bytes = Buffer.from(`début ${pass} fin ✓`, 'utf8');
    const r = new Masker([pass]).stream();
    const out = Buffer.concat([r.push(bytes.subarray(0, 17)), r.push(bytes.subarray(17)), r.end()]);
    expect(out.toString('utf8')).toBe(`début ${MASK} fin ✓`);
  });

  test('holds back only what could still become a secret', () => {
    const r = new Masker([secret]).stream();
    expect(r.push(Buffer.from('plain text s3cr')).toString()).toBe('plain text ');
    expect(r.push(Buffer.from('x and more')).toString()).toBe('s3crx and more');
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
    const pad = 'x'.repeat(40);
    const gate = join(dir, 'go');
    const run = runCommand(
      {
        // Prints the secret in two writes, then waits for the test's gate before exiting.
        run: `printf 's3cr3t-'; printf 'value-42 done ${pad}\\n'; while [ ! -e '${gate}' ]; do sleep 0.02; done`,
        cwd: dir,
        env: {},
      },
      { env: {}, timeoutMs: 10_000, logFile, mask: new Masker([secret]) },
    );
    const during = await until('output in the log', async () => {
      const text = await readFile(logFile, 'utf8').catch(() => '');
      return text.includes('done') ? text : undefined;
    });
    expect(during).not.toContain(secret);
    await writeFile(gate, '');
    const out = await run;
    expect(out.exitCode).toBe(0);
    expect(out.outputTail).toBe(`${MASK} done ${pad}\n`);
    expect(await readFile(logFile, 'utf8')).toBe(`${MASK} done ${pad}\n`);
  });
});
