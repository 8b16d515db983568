import { afterEach, beforeEach, vi } from 'vitest';

/** Unexpected console output fails the test that produced it (STYLE.md). */
const methods = ['log', 'warn', 'error', 'info', 'debug'] as const;
let calls: string[] = [];

beforeEach(() => {
  calls = [];
  for (const m of methods) {
    vi.spyOn(console, m).mockImplementation((...args: unknown[]) => {
      calls.push(`console.${m}: ${args.map(String).join(' ')}`);
    });
  }
});

afterEach(() => {
  vi.restoreAllMocks();
  if (calls.length > 0) {
    const seen = calls;
    calls = [];
    throw new Error(`unexpected console output:\n${seen.join('\n')}`);
  }
});
