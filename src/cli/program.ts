import { Command } from 'commander';
import type { CliIo } from './io.js';
import { addCommonOptions, type SetExitCode } from './options.js';
import type { ValidateOptions } from './commands/validate.js';
import type { DashboardOptions } from './commands/dashboard.js';
import type { WatchOptions } from './commands/watch.js';
import type { PlanOptions } from './commands/plan-fail.js';
import { usageError } from '../core/errors.js';
import { packageVersion } from './version.js';
import { registerEngineCommands } from './program-engine.js';
import { registerDurableCommands } from './program-durable.js';

/** Receives a command's exit code. */

const EXIT_HELP = `
Exit codes:
  0    success (warnings allowed)
  1    failed (rolled back), or stopped before changing anything (prerequisites, an abort)
  2    invalid usage or config; nothing changed
  3    rollback incomplete or aborted after a change: manual intervention needed
  4    environment locked by another deployment
  130  interrupted (SIGINT/SIGTERM)
`;

/**
 * The commander program. Every command's module is loaded with import() inside its action, so
 * `--help` and `validate` never load ink, react or xstate. Other commands (deploy, status, ...)
 * register here the same way: one `register*` function each.
 */
export function buildProgram(io: CliIo, setExitCode: SetExitCode): Command {
  const program = new Command('stagecraft')
    .description('Deploy a set of services to an environment, stage by stage, with rollback.')
    .version(packageVersion(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      getOutHelpWidth: () => 100,
      getErrHelpWidth: () => 100,
      getOutHasColors: () => false,
      getErrHasColors: () => false,
    })
    .addHelpText('after', EXIT_HELP);

  registerValidate(program, io, setExitCode);
  registerPlan(program, io, setExitCode);
  registerSchema(program, io, setExitCode);
  registerEngineCommands(program, io, setExitCode);
  registerDurableCommands(program, io, setExitCode);
  registerDashboard(program, io, setExitCode);
  registerWatch(program, io, setExitCode);
  return program;
}

function registerValidate(program: Command, io: CliIo, setExitCode: SetExitCode): void {
  addCommonOptions(
    program
      .command('validate')
      .description('load and validate the config, then check prerequisites; changes nothing'),
  )
    .option('--no-prerequisites', 'skip the prerequisite checks (schema, graph and rules only)')
    .action(async (opts: ValidateOptions) => {
      const { validateCommand } = await import('./commands/validate.js');
      setExitCode(await validateCommand(opts, io));
    });
}

function registerPlan(program: Command, io: CliIo, setExitCode: SetExitCode): void {
  addCommonOptions(
    program
      .command('plan')
      .description(
        'print the resolved plan: variables with provenance (secrets masked), stages, services, rollback order',
      ),
  )
    .option(
      '--fail <service>',
      'what if this service fails: walk the deployment with simulated effects',
    )
    .option('--when <point>', 'with --fail: where it fails (activating, health, verify, rollback)')
    .option(
      '--format <format>',
      'with --fail: text (default), svg or html (the statechart with the path drawn)',
    )
    .option('-o, --output <file>', 'with --fail: write to this file instead of stdout')
    .action(async (opts: PlanOptions) => {
      if (opts.fail !== undefined) {
        const { planFailCommand } = await import('./commands/plan-fail.js');
        setExitCode(await planFailCommand(opts, io));
        return;
      }
      if (opts.when !== undefined || opts.format !== undefined || opts.output !== undefined)
        throw usageError('--when, --format and -o go with --fail SERVICE');
      const { planCommand } = await import('./commands/plan.js');
      setExitCode(await planCommand(opts, io));
    });
}

function registerSchema(program: Command, io: CliIo, setExitCode: SetExitCode): void {
  program
    .command('schema')
    .description("print the config's JSON Schema (generated from the zod schema)")
    .action(async () => {
      const { schemaCommand } = await import('./commands/schema.js');
      setExitCode(await schemaCommand(io));
    });
}

function registerDashboard(program: Command, io: CliIo, setExitCode: SetExitCode): void {
  addCommonOptions(
    program
      .command('dashboard')
      .description(
        "print the Grafana dashboard JSON of stagecraft's metrics for every environment of the config (monitoring.dashboard settings, else defaults)",
      ),
  )
    .option(
      '-o, --output <file>',
      'write to this file (default: monitoring.dashboard.file, else stdout)',
    )
    .action(async (opts: DashboardOptions) => {
      const { dashboardCommand } = await import('./commands/dashboard.js');
      setExitCode(await dashboardCommand(opts, io));
    });
}

function registerWatch(program: Command, io: CliIo, setExitCode: SetExitCode): void {
  addCommonOptions(
    program
      .command('watch')
      .description(
        "probe every service's health without deploying, for --for or until interrupted; alerts as services fail and recover; exit 0 when all are healthy at the end, 1 when not",
      ),
  )
    .option(
      '--for <duration>',
      'watch this long (30s, 10m, 2h); default: until SIGINT/SIGTERM or q',
    )
    .option('--plain', 'one line per change even on a terminal')
    .addHelpText(
      'after',
      `
Every monitoring.watchInterval (default 5s) it runs each service's health and readiness probes and
performance baseline. It never rolls back, takes no lock and writes nothing to the state folder.
/metrics is served while it runs when monitoring.metrics.listen is set. SIGINT/SIGTERM (q on the
screen) end it cleanly: the exit code is that of the state it ends in.
`,
    )
    .action(async (opts: WatchOptions) => {
      const { watchCommand } = await import('./commands/watch.js');
      setExitCode(await watchCommand(opts, io));
    });
}
