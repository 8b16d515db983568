// Regenerates docs/diagrams (Mermaid + SVG of every machine and of the example's plan) from the
// built code: `npm run docs`. The output is deterministic, so a diff shows only what changed.
import { resolve } from 'node:path';
import { loadConfig } from '../dist/config/load.js';
import { resolvePlan } from '../dist/config/resolve.js';
import { machineEntries } from '../dist/export/machine-registry.js';
import { writeDocs } from '../dist/export/write-docs.js';

const root = resolve(import.meta.dirname, '..');
const loaded = await loadConfig({ configPath: 'examples/local-stack', cwd: root });
const plan = await resolvePlan(loaded, {});
const written = await writeDocs(resolve(root, 'docs/diagrams'), machineEntries(), plan);
process.stdout.write(`${written.join('\n')}\n`);
