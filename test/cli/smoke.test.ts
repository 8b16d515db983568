import { execFileSync } from 'node:child_process';
import { expect, test } from 'vitest';

test('the built CLI starts', () => {
  const out = execFileSync(process.execPath, ['bin/stagecraft.js'], { encoding: 'utf8' });
  expect(out).toContain('stagecraft');
});
