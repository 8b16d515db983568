/**
 * Counts read as English: `1 service`, `2 services`. The deploy view is rendered for real; the
 * sources are searched for a count pasted in front of a plural noun (or a `(s)`), the way
 * `1 services` got onto the screen.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { count } from '../../src/core/plural.js';
import { liveRun, mount, row, unmountAll, untilFrame } from './helpers.js';

afterEach(unmountAll);

const src = join(import.meta.dirname, '..', '..', 'src');

/** Every .ts/.tsx file below `dir`. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sources(join(dir, e.name))
      : /\.tsx?$/.test(e.name)
        ? [join(dir, e.name)]
        : [],
  );
}

const nouns =
  'services|stages|layers|samples|checks|steps|stops|prerequisites|attempts|releases|deployments';
/** `${n} services` in a template literal, `{n} services` in JSX, or `service(s)` anywhere. */
const pasted = [
  new RegExp(`\\$\\{[^}]+\\} (${nouns})\\b`),
  new RegExp(`\\{[\\w.]+\\.length\\} (${nouns})\\b`),
  /\b[a-z]{3,}\(s\)(?= [a-z]|`)/,
];

describe('counts', () => {
  it('count() says 1 service, 0 services and 2 services', () => {
    expect([count(1, 'service'), count(0, 'service'), count(2, 'service')]).toEqual([
      '1 service',
      '0 services',
      '2 services',
    ]);
  });

  it('the live view of a stage with one service says "1 service"', async () => {
    const m = mount(liveRun([row('api', 'checking')]));
    await untilFrame(m, 'api');
    expect(m.frame()).toMatch(/^1 service · /m);
    expect(m.frame()).not.toContain('1 services');
  });

  it('no output string pastes a count before a plural noun or writes "(s)"', () => {
    const found = sources(src).flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .flatMap((line, i) =>
          !/^\s*(\*|\/\/|\/\*)/.test(line) &&
          pasted.some((p) => p.test(line.replace(/http\(s\)/g, '')))
            ? [`${file.slice(src.length + 1)}:${i + 1}: ${line.trim()}`]
            : [],
        ),
    );
    expect(found).toEqual([]);
  });
});
