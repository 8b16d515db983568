/**
 * The README says what an operator needs and cannot guess: how to run stagecraft on a project
 * outside the clone (the commands are run for real in outside-clone.test.ts), that the release
 * label is the `RELEASE` variable (in the config reference), and what `graph -o` and `--json` do.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ROOT } from './helpers.js';

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const section = (title: string): string => {
  const start = readme.indexOf(`\n## ${title}\n`);
  const end = readme.indexOf('\n## ', start + 1);
  return start < 0 ? '' : readme.slice(start, end < 0 ? undefined : end);
};

describe('the README', () => {
  test('says how to run stagecraft on a project outside the clone, without the public registry', () => {
    expect(readme).toContain('npm install -g "$PWD"');
    expect(readme).toContain(
      'node /path/to/stagecraft/bin/stagecraft.js deploy -c /path/to/your/project',
    );
  });

  test('documents RELEASE as the release label in the config reference', () => {
    const reference = section('Config reference');
    expect(reference).toMatch(
      /\| `RELEASE` \(a variable\) +\| string +\| the deployment id +\| the release's label/,
    );
    expect(reference).toContain('`RELEASE`, when set, is the label of the release');
  });

  test('says that the format of graph -o follows the extension and what --json does', () => {
    expect(readme).toContain(
      "the format follows the file's extension unless `--format` says otherwise",
    );
    expect(readme).toContain('`--json` means `--format json`');
  });
});
