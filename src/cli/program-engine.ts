/**
 * Registers the commands that run the engine: deploy, status, down. Each module is loaded
 * with import() inside its action, so `--help` and `validate` never load the statecharts.
 */
import type { Command } from 'commander';
import type { CliIo } from './io.js';
import { addCommonOptions, type CommonOptions } from './options.js';
import type { SetExitCode } from './options.js';
import type { DeployOptions } from './commands/deploy.js';
import type { DownOptions } from './commands/down.js';
import type { GraphOptions } from './commands/graph.js';

/** Adds deploy, status and down to the program. */
export function registerEngineCommands(
  program: Command,
  io: CliIo,
  setExitCode: SetExitCode,
): void {
  addCommonOptions(
    program.command('deploy').description('run the whole deployment (the live UI on a terminal)'),
  )
    .option('-y, --yes', 'no prompts: confirmations are answered yes, failures follow policy')
    .option('--plain', 'line output even on a terminal')
    .option('--step', 'confirm before every stage')
    .option(
      '--dry-run',
      'simulate: print every action, prompt and rollback path in order; change nothing',
    )
    .option(
      '--lock-wait <duration>',
      'wait up to this long for another deployment of the environment',
    )
    .option(
      '--force-unlock',
      'take over a stale lock (its process is gone on this host) and proceed; a live holder still exits 4',
    )
    .option(
      '--trace',
      "also write XState's raw inspection trace beside the journal (trace.jsonl), for a bug report",
    )
    .option(
      '--watch <duration>',
      'watch every service this long before the release is recorded (overrides monitoring.watch; 0 turns it off)',
    )
    .action(async (opts: DeployOptions) => {
      const { deployCommand } = await import('./commands/deploy.js');
      setExitCode(await deployCommand(opts, io));
    });
  addCommonOptions(
    program
      .command('status')
      .description("probe every service's health now; exit 0 only when all are healthy"),
  ).action(async (opts: CommonOptions) => {
    const { statusCommand } = await import('./commands/status.js');
    setExitCode(await statusCommand(opts, io));
  });
  addCommonOptions(
    program
      .command('down')
      .description("stop the environment's services in reverse dependency order"),
  )
    .option('-y, --yes', 'do not ask first')
    .option('--plain', 'line output even on a terminal')
    .option(
      '--trace',
      "also write XState's raw inspection trace beside the journal (trace.jsonl), for a bug report",
    )
    .action(async (opts: DownOptions) => {
      const { downCommand } = await import('./commands/down.js');
      setExitCode(await downCommand(opts, io));
    });
  addCommonOptions(
    program
      .command('graph')
      .description(
        'export diagrams of the statecharts (--machine) or of a deployment plan (--plan); --format html: one review page with both',
      ),
  )
    .option(
      '--machine <name>',
      'deployment, stage, service, health, monitor, rollback, verification, down or all',
    )
    .option('--plan', 'the concrete plan of -c/-e: stages, services, dependencies, rollback order')
    .option(
      '--format <format>',
      'mermaid, dot, svg, scxml, json or html (default: from the extension of -o, else mermaid)',
    )
    .option(
      '-o, --output <file>',
      'write to a file instead of stdout (.mmd/.md, .dot/.gv, .svg, .scxml, .json, .html)',
    )
    .option(
      '--depth <n>',
      'machine SVG: collapse states nested deeper than n (1 = top-level states)',
    )
    .option(
      '--state <path>',
      'machine SVG: draw only this region, e.g. finalizing or activating.running',
    )
    .action(async (opts: GraphOptions) => {
      const { graphCommand } = await import('./commands/graph.js');
      setExitCode(await graphCommand(opts, io));
    });
}
