/**
 * Registers the durability commands: history, show, unlock, resume, decide, state, rollback. Each
 * module is loaded with import() inside its action, so `--help` never loads the statecharts.
 */
import type { Command } from 'commander';
import type { CliIo } from './io.js';
import { addCommonOptions, type CommonOptions } from './options.js';
import type { SetExitCode } from './options.js';
import type { UnlockOptions } from './commands/unlock.js';
import type { ResumeOptions } from './commands/resume.js';
import type { RollbackOptions } from './commands/rollback.js';
import type { ShowOptions } from './commands/show.js';

/** Adds history, show, unlock, resume, decide, state and rollback to the program. */
export function registerDurableCommands(
  program: Command,
  io: CliIo,
  setExitCode: SetExitCode,
): void {
  addCommonOptions(
    program.command('history').description('past deployments of an environment, newest first'),
  )
    .option('-n, --limit <count>', 'show at most this many', '20')
    .action(async (opts: CommonOptions & { limit: string }) => {
      const { historyCommand } = await import('./commands/history.js');
      setExitCode(await historyCommand(opts, io));
    });
  addCommonOptions(
    program
      .command('show')
      .argument('<id>', 'deployment id (see `history`)')
      .description("one deployment's timeline: stages, services and decisions with durations"),
  )
    .option(
      '--format <format>',
      'text (default), svg or html: the plan and the statechart with the path taken',
    )
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .action(async (id: string, opts: ShowOptions) => {
      const { showCommand } = await import('./commands/show.js');
      setExitCode(await showCommand(id, opts, io));
    });
  addCommonOptions(
    program
      .command('unlock')
      .description("release an environment's deploy lock left by a dead process"),
  )
    .option('--force', 'also remove a lock whose holder still runs (or cannot be checked)')
    .action(async (opts: UnlockOptions) => {
      const { unlockCommand } = await import('./commands/unlock.js');
      setExitCode(await unlockCommand(opts, io));
    });
  addCommonOptions(
    program
      .command('resume')
      .argument('[id]', 'deployment id (default: the latest interrupted one)')
      .description('continue an interrupted deployment from its journal'),
  )
    .option('-y, --yes', 'no prompts: confirmations are answered yes, failures follow policy')
    .option('--plain', 'line output even on a terminal')
    .option(
      '--force',
      'resume even though the config (or the statecharts version) changed since it started',
    )
    .option(
      '--trace',
      "also write XState's raw inspection trace beside the journal (trace.jsonl), for a bug report",
    )
    .action(async (id: string | undefined, opts: ResumeOptions) => {
      const { resumeCommand } = await import('./commands/resume.js');
      setExitCode(await resumeCommand(id, opts, io));
    });
  addCommonOptions(
    program
      .command('decide')
      .argument('<id>', 'the running deployment (see `history`)')
      .argument('[choice]', 'the answer; without it, the pending decision and its choices')
      .description(
        "answer a running deployment's pending decision from any terminal (team state database)",
      ),
  ).action(async (id: string, choice: string | undefined, opts: CommonOptions) => {
    const { decideCommand } = await import('./commands/decide.js');
    setExitCode(await decideCommand(id, choice, opts, io));
  });
  const state = program
    .command('state')
    .description('set up the team state database (STAGECRAFT_STATE_URL or state.url)');
  addCommonOptions(
    state.command('migrate').description("create or upgrade the database's schema"),
  ).action(async (opts: CommonOptions) => {
    const { stateMigrateCommand } = await import('./commands/state.js');
    setExitCode(await stateMigrateCommand(opts, io));
  });
  addCommonOptions(
    state
      .command('import')
      .description("copy the state directory's history, releases and journals into the database"),
  ).action(async (opts: CommonOptions) => {
    const { stateImportCommand } = await import('./commands/state.js');
    setExitCode(await stateImportCommand(opts, io));
  });
  addCommonOptions(
    program
      .command('rollback')
      .description('roll the environment back to its previous (or the named) release'),
  )
    .option('--to <id>', 'the deployment id whose release to return to (see `history`)')
    .option(
      '-y, --yes',
      'do not ask first; no prompts: a failed rollback step is recorded as not restored',
    )
    .option('--plain', 'line output')
    .option(
      '--trace',
      "also write XState's raw inspection trace beside the journal (trace.jsonl), for a bug report",
    )
    .action(async (opts: RollbackOptions) => {
      const { rollbackCommand } = await import('./commands/rollback.js');
      setExitCode(await rollbackCommand(opts, io));
    });
}
