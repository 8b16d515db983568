import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { makeCase } from './fuzz-mutations.js';
import { hasStackTrace, runBuilt, runInProcess, type CliResult } from './helpers.js';

/** Override with STAGECRAFT_FUZZ_SEED to explore; a failure prints the seed of its case. */
const SEED = Number(process.env.STAGECRAFT_FUZZ_SEED ?? 20261126);
const CASES = 500;
const BATCH = 100;
const SPAWNED = 20;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stagecraft-fuzz-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** What is wrong with one result, or undefined when it behaved. */
function problem(r: CliResult): string | undefined {
  if (r.code !== 0 && r.code !== 2) return `exit code ${r.code}`;
  if (r.code === 2 && r.stderr.trim() === '') return 'exit 2 without a message';
  if (hasStackTrace(r.stderr) || hasStackTrace(r.stdout)) return 'a stack trace';
  if (r.stderr.includes('internal error'))
    return `internal error: ${r.stderr.trim().slice(0, 300)}`;
  return undefined;
}

async function writeCase(seed: number): Promise<{ file: string; mutations: string[] }> {
  const c = makeCase(seed);
  const file = join(dir, `case-${seed}.${c.ext}`);
  // Odd seeds write raw bytes (invalid UTF-8 for junk), even ones UTF-8.
  await writeFile(file, c.text, seed % 2 === 1 ? 'latin1' : 'utf8');
  return { file, mutations: c.mutations };
}

describe(`fuzzing validate with ${CASES} seeded mutations (seed ${SEED})`, () => {
  for (let start = 0; start < CASES; start += BATCH) {
    test(`cases ${start}..${start + BATCH - 1} (seeds ${SEED + start}..${SEED + start + BATCH - 1}) exit 0 or 2 with a message and no stack trace`, async () => {
      const failures: string[] = [];
      let invalid = 0;
      for (let i = start; i < start + BATCH; i++) {
        const { file, mutations } = await writeCase(SEED + i);
        const r = await runInProcess(['validate', '--no-prerequisites', '-c', file], { cwd: dir });
        if (r.code === 2) invalid += 1;
        const p = problem(r);
        if (p) failures.push(`seed ${SEED + i} [${mutations.join(', ')}]: ${p}`);
      }
      expect(failures).toEqual([]);
      expect(invalid).toBeGreaterThan(BATCH / 4);
    });
  }

  test(`${SPAWNED} sampled cases through the built CLI behave the same (seed ${SEED})`, async () => {
    const failures: string[] = [];
    for (let k = 0; k < SPAWNED; k++) {
      const seed = SEED + Math.floor((k * CASES) / SPAWNED);
      const { file, mutations } = await writeCase(seed);
      const built = await runBuilt(['validate', '--no-prerequisites', '-c', file], { cwd: dir });
      const inProcess = await runInProcess(['validate', '--no-prerequisites', '-c', file], {
        cwd: dir,
      });
      const p =
        problem(built) ??
        (built.code !== inProcess.code
          ? `built exit ${built.code} != in-process ${inProcess.code}`
          : undefined);
      if (p) failures.push(`seed ${seed} [${mutations.join(', ')}]: ${p}`);
    }
    expect(failures).toEqual([]);
    // 20 spawns of the built CLI: about 10 s idle, over 30 s on a loaded 2-core machine.
  }, 120_000);
});
