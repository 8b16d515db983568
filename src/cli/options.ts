import { InvalidArgumentError, type Command } from 'commander';

/** How a command sets the process's exit code (main.ts exits with it). */
export type SetExitCode = (code: number) => void;

/** Options shared by the commands that read a config. */
export interface CommonOptions {
  config?: string;
  env?: string;
  /** `--var KEY=VALUE`, collected; later ones win. */
  var: Record<string, string>;
  json?: boolean;
  stateDir?: string;
}

const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Commander collector for the repeatable `--var KEY=VALUE`. A malformed one is a usage error
 * (commander prints it; run() maps it to exit 2).
 */
function collectVar(value: string, previous: Record<string, string>): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) {
    throw new InvalidArgumentError(`expected KEY=VALUE, got "${value}"`);
  }
  const key = value.slice(0, eq);
  if (!VAR_NAME.test(key)) {
    throw new InvalidArgumentError(
      `"${key}" is not a variable name (letters, digits and _, not starting with a digit)`,
    );
  }
  if (key === '__proto__') {
    // A JavaScript object cannot hold it as data: refused, never dropped silently.
    throw new InvalidArgumentError(
      '"__proto__" cannot be used as a variable name (JavaScript reserves it)',
    );
  }
  return { ...previous, [key]: value.slice(eq + 1) };
}

/** Adds -c, -e, --var, --json and --state-dir to a command. */
export function addCommonOptions(cmd: Command): Command {
  return cmd
    .option('-c, --config <path>', 'config file, or a folder to search for one')
    .option('-e, --env <name>', 'environment (required when the config has several)')
    .option('--var <KEY=VALUE>', 'set a variable (repeatable, highest precedence)', collectVar, {})
    .option('--json', 'machine-readable output on stdout')
    .option('--state-dir <path>', 'state folder (default: .stagecraft/ beside the config file)');
}
