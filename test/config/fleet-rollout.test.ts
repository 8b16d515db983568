import { describe, expect, test } from 'vitest';
import { batchSizes, budgetCount, mergeRollout } from '../../src/config/rollout.js';

describe('batch sizes', () => {
  test('a count splits the instances into batches of that size, the last one smaller', () => {
    expect(batchSizes(2, 5)).toEqual([2, 2, 1]);
    expect(batchSizes(1, 3)).toEqual([1, 1, 1]);
    expect(batchSizes(10, 3)).toEqual([3]);
  });

  test('a percentage is ceil(pct × N), at least 1, capped to what is left', () => {
    expect(batchSizes('25%', 10)).toEqual([3, 3, 3, 1]);
    expect(batchSizes('100%', 7)).toEqual([7]);
    expect(batchSizes('1%', 3)).toEqual([1, 1, 1]);
    expect(batchSizes('50%', 3)).toEqual([2, 1]);
    // 10% of 30 is exactly 3, whatever the float arithmetic says.
    expect(batchSizes('10%', 30)).toEqual(Array(10).fill(3));
    expect(batchSizes('33.3%', 1000)[0]).toBe(333);
  });

  test('a ramp takes its sizes in turn and repeats the last until every instance is done', () => {
    expect(batchSizes([1, '25%', '100%'], 20)).toEqual([1, 5, 14]);
    expect(batchSizes([1, 2], 8)).toEqual([1, 2, 2, 2, 1]);
    expect(batchSizes([5, 1], 3)).toEqual([3]);
  });

  test('one host is one batch of one, whatever the size; no instances is no batch', () => {
    for (const b of [1, 3, '1%', '100%', [1, '50%']] as const)
      expect(batchSizes(b as never, 1)).toEqual([1]);
    expect(batchSizes('25%', 0)).toEqual([]);
  });

  test('the batches always sum to the instance count', () => {
    for (let n = 1; n <= 60; n++)
      for (const b of [1, 4, '7%', '33%', '100%', [1, '10%', 3]] as const) {
        const sizes = batchSizes(b as never, n);
        expect(sizes.reduce((a, x) => a + x, 0)).toBe(n);
        expect(sizes.every((x) => x >= 1)).toBe(true);
      }
  });
});

describe('failure budget', () => {
  test('a count is kept; a percentage is floor(pct × N)', () => {
    expect(budgetCount(0, 10)).toBe(0);
    expect(budgetCount(2, 10)).toBe(2);
    expect(budgetCount('10%', 10)).toBe(1);
    expect(budgetCount('10%', 9)).toBe(0);
    expect(budgetCount('50%', 3)).toBe(1);
    expect(budgetCount('100%', 3)).toBe(3);
    expect(budgetCount('0%', 100)).toBe(0);
  });
});

describe('rollout defaults', () => {
  test('service fields win over the stage, the stage over the defaults', () => {
    expect(mergeRollout(undefined, undefined)).toEqual({
      batch: '100%',
      failureBudget: 0,
      minHealthyMs: 0,
    });
    expect(mergeRollout({ batch: 1 }, { batch: '50%', failureBudget: 2, minHealthy: 500 })).toEqual(
      { batch: 1, failureBudget: 2, minHealthyMs: 500 },
    );
  });
});
