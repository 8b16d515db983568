/** The suite's seeded generator (the fuzz test's mulberry32) and small helpers on top of it. */
import { mulberry32 } from '../cli/fuzz-mutations.js';

/** A generator of numbers in [0, 1). */
export type Rand = () => number;

/** A generator seeded with `seed`: the same sequence on every run. */
export const seeded = (seed: number): Rand => mulberry32(seed);

/** One item of `items`. */
export function pick<T>(rand: Rand, items: readonly T[]): T {
  const item = items[Math.floor(rand() * items.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
}

/** An integer in [min, max]. */
export const between = (rand: Rand, min: number, max: number): number =>
  min + Math.floor(rand() * (max - min + 1));

/** A 32-bit seed drawn from `rand`. */
export const nextSeed = (rand: Rand): number => Math.floor(rand() * 2 ** 32) >>> 0;
