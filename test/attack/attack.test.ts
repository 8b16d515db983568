/**
 * The seeded attack suite (issue 11): bad input, faults and sentinel secrets planted against the
 * built CLI, case by case, each held to the same invariants (see case.ts). The seed picks, for
 * every round of cases, an order of all generators and a seed per case, so every generator runs
 * once per round and each case replays alone:
 *
 *   STAGECRAFT_ATTACK_SEED=<seed> STAGECRAFT_ATTACK_ONLY=<index> npx vitest run test/attack/attack.test.ts
 *
 * STAGECRAFT_ATTACK_CASES sets the number of cases (default 48, about two rounds) for a longer
 * run outside CI. Needs `npm run build` first.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { runCase, type CaseResult, type Generator } from './case.js';
import { FAULTS } from './faults.js';
import { INPUTS } from './inputs.js';
import { nextSeed, seeded } from './rand.js';

const SEED = Number(process.env.STAGECRAFT_ATTACK_SEED ?? 20261211);
const CASES = Number(process.env.STAGECRAFT_ATTACK_CASES ?? 48);
const ONLY = process.env.STAGECRAFT_ATTACK_ONLY;
const CONCURRENCY = 2;
/** Print every failing case's transcript (always when replaying one case). */
const VERBOSE = process.env.STAGECRAFT_ATTACK_VERBOSE === '1' || ONLY !== undefined;
const GENERATORS: Generator[] = [...INPUTS, ...FAULTS];

/** The cases of a seed: rounds of every generator in a seeded order, a seed each. */
function schedule(
  seed: number,
  count: number,
): Array<{ index: number; seed: number; gen: Generator }> {
  const rand = seeded(seed);
  const out: Array<{ index: number; seed: number; gen: Generator }> = [];
  while (out.length < count) {
    const round = [...GENERATORS];
    for (let i = round.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [round[i], round[j]] = [round[j]!, round[i]!];
    }
    for (const gen of round)
      if (out.length < count) out.push({ index: out.length, seed: nextSeed(rand), gen });
  }
  return out;
}

const all = schedule(SEED, ONLY === undefined ? CASES : Math.max(CASES, Number(ONLY) + 1));
const cases = ONLY === undefined ? all : all.filter((c) => c.index === Number(ONLY));
const results: CaseResult[] = [];
let wallMs = 0;

const replay = (index: number): string =>
  `STAGECRAFT_ATTACK_SEED=${SEED} STAGECRAFT_ATTACK_ONLY=${index} npx vitest run test/attack/attack.test.ts`;

function totals(): string {
  const inputs = results.filter((r) => r.kind === 'input');
  const faults = results.filter((r) => r.kind === 'fault');
  const held = (rs: CaseResult[]) => rs.filter((r) => r.problems.length === 0).length;
  const sum = (f: (r: CaseResult) => number) => results.reduce((n, r) => n + f(r), 0);
  const faultsInjected = faults.reduce((n, r) => n + Math.max(1, r.injected), 0);
  const faultsSurvived = faults
    .filter((r) => r.problems.length === 0)
    .reduce((n, r) => n + Math.max(1, r.injected), 0);
  return [
    `attack suite, seed ${SEED}: ${results.length} cases in ${(wallMs / 1000).toFixed(1)} s (concurrency ${CONCURRENCY})`,
    `  inputs tried ${inputs.length}, held ${held(inputs)}`,
    `  fault cases ${faults.length}, held ${held(faults)}; faults injected ${faultsInjected}, survived ${faultsSurvived}`,
    `  orphans ${sum((r) => r.orphans)}, leaks ${sum((r) => r.leaks)}, hangs ${sum((r) => r.hangs)}`,
    ...(VERBOSE
      ? results
          .filter((r) => r.problems.length === 0)
          .map((r) => `  ✓ case ${r.index} ${r.generator} (${r.details.join('; ')}) ${r.ms} ms`)
      : []),
    ...results
      .filter((r) => r.problems.length > 0)
      .map(
        (r) =>
          `  ✗ case ${r.index} ${r.generator} (seed ${r.seed}; ${r.details.join('; ')}): ${r.problems.join(' | ')}${VERBOSE ? `\n${r.transcript}` : ''}`,
      ),
  ].join('\n');
}

afterAll(() => {
  console.log(totals());
});

describe(`the attack suite (seed ${SEED}, ${cases.length} cases of ${GENERATORS.length} generators)`, () => {
  test('every case keeps its exit code, its deadline, its lock, its processes and its secrets', async () => {
    const started = performance.now();
    const queue = [...cases];
    const worker = async (): Promise<void> => {
      for (let c = queue.shift(); c !== undefined; c = queue.shift())
        results.push(await runCase(c.gen, c.seed, c.index));
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    wallMs = performance.now() - started;
    results.sort((a, b) => a.index - b.index);
    const failed = results
      .filter((r) => r.problems.length > 0)
      .map(
        (r) =>
          `case ${r.index} ${r.generator} [${r.details.join('; ')}]: ${r.problems.join(' | ')} — replay: ${replay(r.index)}`,
      );
    expect(failed).toEqual([]);
  }, 600_000);
});
