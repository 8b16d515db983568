/**
 * A binary min-heap of non-negative integers (list positions): the smallest position first. It
 * lets the stable topological order take "the first listed service that is ready" in O(log n)
 * instead of rescanning the list after every pick.
 */
export class IndexHeap {
  private readonly items: number[] = [];

  /** How many positions the heap holds. */
  get size(): number {
    return this.items.length;
  }

  /** Adds a position. */
  push(value: number): void {
    const a = this.items;
    let i = a.push(value) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (a[parent]! <= value) break;
      a[i] = a[parent]!;
      i = parent;
    }
    a[i] = value;
  }

  /** Removes and returns the smallest position (undefined when empty). */
  pop(): number | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length === 0 || last === undefined) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= a.length) break;
      const right = left + 1;
      const child = right < a.length && a[right]! < a[left]! ? right : left;
      if (a[child]! >= last) break;
      a[i] = a[child]!;
      i = child;
    }
    a[i] = last;
    return top;
  }
}
