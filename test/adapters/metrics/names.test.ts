import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { allMetricNames } from '../../../src/adapters/metrics/names.js';

test("the README's monitoring section lists exactly the exported metrics", () => {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  const start = readme.indexOf('\n## Monitoring');
  const end = readme.indexOf('\n## ', start + 1);
  expect(start).toBeGreaterThan(0);
  const section = readme.slice(start, end);
  const listed = [...section.matchAll(/^\| `(stagecraft_[a-z_]+)`/gm)].map((m) => m[1]);
  expect(listed.sort()).toEqual([...allMetricNames].sort());
  for (const name of allMetricNames) expect(name).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/);
});
