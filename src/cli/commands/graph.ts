/**
 * `stagecraft graph`: diagrams exported from the very machine definitions that run
 * (`--machine <name|all>`), or the concrete plan of an environment (`--plan` with -c/-e).
 * Output is deterministic; `-o FILE` writes it to a file, otherwise stdout. The format is
 * `--format`, else the extension of `-o`, else Mermaid; `--json` is `--format json`.
 * `--format html` writes one review page: the plan and every statechart, or what `--machine`
 * (and `--plan` beside it) pick.
 */
import { extname, resolve } from 'node:path';
import { usageError } from '../../core/errors.js';
import { writeOutput } from '../write-output.js';
import type { Format, MachineView } from '../../export/index.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { loadPlan } from '../load-plan.js';
import type { CommonOptions } from '../options.js';

/** Options of `graph`. */
export interface GraphOptions extends CommonOptions {
  machine?: string;
  plan?: boolean;
  format?: string;
  output?: string;
  /** `--depth N`: collapse states nested deeper than N (machine SVG). */
  depth?: string;
  /** `--state PATH`: draw only that region (machine SVG). */
  state?: string;
}

/** The format each `-o` extension means. */
const byExtension: Record<string, Format> = {
  '.mmd': 'mermaid',
  '.mermaid': 'mermaid',
  '.md': 'mermaid',
  '.dot': 'dot',
  '.gv': 'dot',
  '.svg': 'svg',
  '.scxml': 'scxml',
  '.json': 'json',
  '.html': 'html',
  '.htm': 'html',
};

/** The format asked for: `--format`, `--json`, the extension of `-o`, or Mermaid. */
function chosenFormat(opts: GraphOptions, formats: readonly Format[]): Format {
  if (opts.format !== undefined) {
    const format = formats.find((f) => f === opts.format);
    if (format === undefined)
      throw usageError(`--format must be one of ${formats.join(', ')} (got "${opts.format}")`);
    if (opts.json === true && format !== 'json')
      throw usageError(`--json means --format json: it cannot be combined with --format ${format}`);
    return format;
  }
  if (opts.json === true) return 'json';
  if (opts.output === undefined) return 'mermaid';
  const ext = extname(opts.output).toLowerCase();
  const format = byExtension[ext];
  if (format === undefined)
    throw usageError(
      `-o ${opts.output}: cannot tell the format from ${ext === '' ? 'a file name without an extension' : `the extension "${ext}"`}; pass --format (${formats.join(', ')}) or name the file ${Object.keys(byExtension).join(', ')}`,
    );
  return format;
}

/** `--depth` and `--state` as the exporter takes them (the depth is checked there). */
function machineView(opts: GraphOptions): MachineView {
  const view: MachineView = {};
  if (opts.depth !== undefined) {
    if (!/^\d+$/.test(opts.depth.trim()))
      throw usageError(`--depth must be a whole number from 1 (got "${opts.depth}")`);
    view.depth = Number(opts.depth);
  }
  if (opts.state !== undefined) view.state = opts.state;
  return view;
}

export async function graphCommand(opts: GraphOptions, io: CliIo): Promise<number> {
  const { exportMachine, exportMachines, exportPlan, exportReview, formats } =
    await import('../../export/index.js');
  const { machineEntries, machineNames } = await import('../../export/machine-registry.js');
  const format = chosenFormat(opts, formats);
  if (format !== 'html' && (opts.plan === true) === (opts.machine !== undefined)) {
    throw usageError(
      'pass exactly one of --machine <name|all> or --plan (only --format html takes both, or neither for the plan and every statechart)',
    );
  }
  const view = machineView(opts);
  if (
    (view.depth !== undefined || view.state !== undefined) &&
    (opts.plan === true || opts.machine === 'all')
  )
    throw usageError(
      '--depth and --state draw one statechart: pass --machine <name>, not --plan or all',
    );
  let text: string;
  if (format === 'html') {
    // The page holds what --plan and --machine pick; neither picks everything.
    const none = opts.plan !== true && opts.machine === undefined;
    const withPlan = opts.plan === true || none;
    const entries =
      opts.machine === 'all' || none
        ? machineEntries()
        : opts.machine === undefined
          ? []
          : [namedEntry(opts.machine, machineEntries(), machineNames)];
    text = await exportReview(withPlan ? await loadPlan(opts, io) : undefined, entries);
  } else if (opts.plan === true) {
    text = await exportPlan(await loadPlan(opts, io), format);
  } else if (opts.machine === 'all') {
    text = await exportMachines(machineEntries(), format);
  } else {
    const entry = namedEntry(opts.machine, machineEntries(), machineNames);
    text = await exportMachine(entry[1], entry[0], format, view);
  }
  if (!text.endsWith('\n')) text += '\n';
  if (opts.output !== undefined) {
    await writeOutput(resolve(io.cwd, opts.output), text);
  } else {
    io.stdout.write(text);
  }
  return EXIT.ok;
}

/** The machine `--machine` names; a usage error listing the names when there is none. */
function namedEntry<T>(
  name: string | undefined,
  entries: Array<[string, T]>,
  names: readonly string[],
): [string, T] {
  const entry = entries.find(([n]) => n === name);
  if (entry === undefined)
    throw usageError(`--machine must be one of ${[...names, 'all'].join(', ')} (got "${name}")`);
  return entry;
}
