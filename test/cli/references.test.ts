/**
 * Everything a user reads is in the repository: the README, docs/, the JSON Schema, the
 * examples, the CLI's sources (its messages and help) and bin/ never send the reader to a file
 * that is not part of it (a product contract, field notes or a style guide kept elsewhere, an
 * issue tracker, a machine's own folders), and every repository path the README names exists.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ROOT } from './helpers.js';

/** What the user reads: these files, and every text file below these folders. */
const read = ['README.md', 'config.schema.json', 'package.json', 'docs', 'src', 'bin', 'examples'];

/** References to what is not in the repository. */
const outside: Array<[string, RegExp]> = [
  ['a product contract (PRODUCT.md)', /\bPRODUCT\b/],
  ['field notes or a style guide (NOTES.md, STYLE.md)', /\b(NOTES|STYLE)\.md\b/],
  ['a folder of the machine it was written on (/work/)', /\/work\//],
  ['an issue tracker the reader cannot see ("(issue 6)")', /\(issue \d+\)/i],
];

const binary = /\.(png|jpe?g|gif|ico|wasm)$/i;

/** Every file below `path` (or `path` itself), relative to the repository root. */
function filesUnder(path: string): string[] {
  const full = join(ROOT, path);
  if (!existsSync(full)) return [];
  if (!statSync(full).isDirectory()) return [path];
  return readdirSync(full, { withFileTypes: true }).flatMap((e) =>
    e.name === 'node_modules' || e.name === '.stagecraft' ? [] : filesUnder(join(path, e.name)),
  );
}

/** `file:line: text` for each line of the files that matches `pattern`. */
function matches(files: string[], pattern: RegExp): string[] {
  return files.flatMap((file) =>
    readFileSync(join(ROOT, file), 'utf8')
      .split('\n')
      .flatMap((line, i) => (pattern.test(line) ? [`${file}:${i + 1}: ${line.trim()}`] : [])),
  );
}

describe('what the user reads stays inside the repository', () => {
  const files = read.flatMap(filesUnder).filter((f) => !binary.test(f));

  test('the files checked include the README, the schema, the docs and the sources', () => {
    for (const f of ['README.md', 'config.schema.json', 'bin/stagecraft.js', 'src/cli/run.ts'])
      expect(files).toContain(f);
    expect(files.filter((f) => f.startsWith('docs/')).length).toBeGreaterThan(5);
  });

  test.each(outside)('no file refers to %s', (_what, pattern) => {
    expect(matches(files, pattern)).toEqual([]);
  });

  test('every repository path the README names, as a link or in backquotes, exists', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const named = [
      ...[...readme.matchAll(/\]\(([^)#\s]+)\)/g)].map((m) => m[1] ?? ''),
      ...[
        ...readme.matchAll(/`((?:src|test|docs|examples|bench|scripts|bin|\.ci)\/[^`\s<>*]*)`/g),
      ].map((m) => m[1] ?? ''),
    ].filter((p) => !/^[a-z]+:/.test(p));
    expect(named.length).toBeGreaterThan(10);
    // What a command generates into an ignored folder (bench/.generated/) exists only once run.
    const generated = readFileSync(join(ROOT, '.gitignore'), 'utf8')
      .split('\n')
      .filter((l) => l.endsWith('/') && l.includes('/') && !l.startsWith('#'));
    const missing = named
      .filter((p) => !generated.some((g) => p.startsWith(g)))
      .filter((p) => !existsSync(join(ROOT, p.replace(/\/$/, ''))));
    expect(missing.map((p) => relative(ROOT, join(ROOT, p)))).toEqual([]);
  });
});
