import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AnyStateMachine } from 'xstate';
import type { ResolvedPlan } from '../config/plan-types.js';
import { exportMachine, exportPlan } from './index.js';

/**
 * Writes the review diagrams into `outDir`: `<name>.mmd` and `<name>.svg` for every machine, and
 * `plan.mmd` / `plan.svg` when a plan is given. Returns the paths written, in order. Deterministic:
 * running it twice writes identical files.
 */
export async function writeDocs(
  outDir: string,
  machines: Array<[string, AnyStateMachine]>,
  plan?: ResolvedPlan,
): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const written: string[] = [];
  const put = async (file: string, text: string): Promise<void> => {
    const path = join(outDir, file);
    await writeFile(path, text, 'utf8');
    written.push(path);
  };
  for (const [name, machine] of machines) {
    await put(`${name}.mmd`, await exportMachine(machine, name, 'mermaid'));
    await put(`${name}.svg`, await exportMachine(machine, name, 'svg'));
  }
  if (plan) {
    await put('plan.mmd', await exportPlan(plan, 'mermaid'));
    await put('plan.svg', await exportPlan(plan, 'svg'));
  }
  return written;
}
