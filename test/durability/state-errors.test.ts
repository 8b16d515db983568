/**
 * A state directory the operator must fix gives one clear message naming the file and what to
 * do, and exit 2 — never "internal error": a state folder of a newer format, a corrupt deployment
 * record, a journal damaged before its last line.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { crashProjects, onlyDeployment, runCli } from './crash-project.js';

const project = crashProjects();

async function deployed() {
  const p = await project();
  expect((await runCli(['deploy', '--yes', '--plain', ...p.args()])).code).toBe(0);
  return { p, id: await onlyDeployment(p.stateDir) };
}

const noBug = (stderr: string) => {
  expect(stderr).not.toMatch(/internal error|\n\s+at /);
  expect(stderr.trim().split('\n')).toHaveLength(1);
};

describe('a state directory to fix', () => {
  test('of a newer format: every command says to upgrade, exit 2, and nothing runs', async () => {
    const { p } = await deployed();
    await writeFile(join(p.stateDir, 'format.json'), '{ "format": 99 }\n');
    for (const args of [['history'], ['deploy', '--yes', '--plain'], ['resume', '--yes']]) {
      const r = await runCli([...args, ...p.args()]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(
        /uses format 99, but this stagecraft understands format 1 only; upgrade stagecraft/,
      );
      noBug(r.stderr);
    }
    expect(await p.count('a')).toBe(1);
  });

  test('with a corrupt deployment record: show and resume name the file, exit 2', async () => {
    const { p, id } = await deployed();
    await writeFile(join(p.stateDir, 'deployments', id, 'meta.json'), '{ "id": "x", ');
    for (const args of [
      ['show', id],
      ['resume', id, '--yes'],
    ]) {
      const r = await runCli([...args, ...p.args()]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(
        new RegExp(`${id}/meta\\.json is not valid JSON; .*move its folder aside`),
      );
      noBug(r.stderr);
    }
  });

  test('with a journal damaged before its last line: show and resume name the line, exit 2', async () => {
    const { p, id } = await deployed();
    const path = join(p.stateDir, 'deployments', id, 'journal.jsonl');
    const lines = (await readFile(path, 'utf8')).trim().split('\n');
    lines[1] = '{ damaged';
    await writeFile(path, `${lines.join('\n')}\n`);
    const meta = join(p.stateDir, 'deployments', id, 'meta.json');
    // An interrupted run, so resume reads its journal.
    const m = JSON.parse(await readFile(meta, 'utf8')) as Record<string, unknown>;
    await writeFile(meta, JSON.stringify({ ...m, status: 'running', pid: 999_999_999 }));
    for (const args of [
      ['show', id],
      ['resume', id, '--yes'],
    ]) {
      const r = await runCli([...args, ...p.args()]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/journal\.jsonl is damaged at line 2 \(not its last line\)/);
      noBug(r.stderr);
    }
  });
});
