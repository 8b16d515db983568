/**
 * `stagecraft graph`: diagrams exported from the very machine definitions that run
 * (`--machine <name|all>`), or the concrete plan of an environment (`--plan` with -c/-e).
 * Output is deterministic; `-o FILE` writes it to a file, otherwise stdout.
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { loadPlan } from '../load-plan.js';
import type { CommonOptions } from '../options.js';
import { usageError } from '../../core/errors.js';

/** Options of `graph`. */
export interface GraphOptions extends CommonOptions {
  machine?: string;
  plan?: boolean;
  format: string;
  output?: string;
}

export async function graphCommand(opts: GraphOptions, io: CliIo): Promise<number> {
  const { exportMachine, exportMachines, exportPlan, formats } =
    await import('../../export/index.js');
  const { machineEntries, machineNames } = await import('../../export/machine-registry.js');
  const format = formats.find((f) => f === opts.format);
  if (format === undefined) {
    throw usageError(`--format must be one of ${formats.join(', ')} (got "${opts.format}")`);
  }
  if ((opts.plan === true) === (opts.machine !== undefined)) {
    throw usageError('pass exactly one of --machine <name|all> or --plan');
  }
  let text: string;
  if (opts.plan === true) {
    text = await exportPlan(await loadPlan(opts, io), format);
  } else if (opts.machine === 'all') {
    text = await exportMachines(machineEntries(), format);
  } else {
    const entry = machineEntries().find(([name]) => name === opts.machine);
    if (entry === undefined) {
      throw usageError(
        `--machine must be one of ${[...machineNames, 'all'].join(', ')} (got "${opts.machine}")`,
      );
    }
    text = await exportMachine(entry[1], entry[0], format);
  }
  if (!text.endsWith('\n')) text += '\n';
  if (opts.output !== undefined) {
    await writeFile(resolve(io.cwd, opts.output), text);
  } else {
    io.stdout.write(text);
  }
  return EXIT.ok;
}
