import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, test } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { resolvePlan } from '../../src/config/resolve.js';
import { machineEntries } from '../../src/export/machine-registry.js';
import { writeDocs } from '../../src/export/write-docs.js';

const root = resolve(import.meta.dirname, '..', '..');

test('the diagrams committed under docs/diagrams are what the running machines export (npm run docs)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'stagecraft-docs-'));
  try {
    const plan = await resolvePlan(
      await loadConfig({ configPath: 'examples/local-stack', cwd: root }),
      {},
    );
    const written = await writeDocs(dir, machineEntries(), plan);
    expect(written.length).toBeGreaterThan(0);
    for (const name of await readdir(dir)) {
      const fresh = await readFile(join(dir, name), 'utf8');
      const committed = await readFile(join(root, 'docs', 'diagrams', name), 'utf8').catch(
        () => '(missing)',
      );
      expect(committed, `docs/diagrams/${name} is stale: run npm run docs`).toBe(fresh);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
