import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { systemFacts } from '../../src/adapters/system.js';

describe('systemFacts', () => {
  test('reports cpus, memory and free disk of an existing path', async () => {
    const facts = await systemFacts(['.']);
    expect(facts.cpus).toBeGreaterThanOrEqual(1);
    expect(facts.memoryBytes).toBeGreaterThan(0);
    expect(facts.disks).toHaveLength(1);
    expect(facts.disks[0]?.freeBytes).toBeGreaterThan(0);
  });

  test('a missing path gives an error text, not a throw', async () => {
    const missing = join('/nonexistent', 'stagecraft', 'disk');
    const facts = await systemFacts([missing]);
    expect(facts.disks[0]).toMatchObject({ path: missing, freeBytes: null });
    expect(facts.disks[0]?.error).toContain('path does not exist');
  });
});
