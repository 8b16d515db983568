/** Counts in what stagecraft prints: `1 service`, `2 services`, `0 services`. */

/** `n` and the noun, singular for exactly one (`many` defaults to the noun + `s`). */
export function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
