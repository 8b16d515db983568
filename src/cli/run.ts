import { CommanderError } from 'commander';
import { EXIT, EXIT_BUG } from './exit-codes.js';
import type { ConfigError } from '../config/errors.js';
import type { CliIo } from './io.js';
import type { UsageError } from './usage-error.js';
import { buildProgram } from './program.js';

/**
 * The CLI, in process: parses argv (without `node` and the script), runs the command and
 * returns its exit code. Never calls process.exit (main.ts does), never throws: usage errors
 * are exit 2 with commander's message, config errors exit 2 with the formatted issues, and an
 * unexpected exception is one line saying it is a bug.
 */
export async function run(argv: string[], io: CliIo): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = buildProgram(io, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    return reportError(err, io);
  }
}

/** Maps anything a command threw to an exit code and one clear message. */
async function reportError(err: unknown, io: CliIo): Promise<number> {
  if (err instanceof CommanderError) {
    // commander already printed its message (and a did-you-mean) through configureOutput.
    return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (isConfigError(err)) {
    // Loaded only here, so a successful `--help` never loads src/config.
    const { formatConfigError } = await import('../config/errors.js');
    io.stderr.write(ensureNewline(formatConfigError(err, io.cwd)));
    return EXIT.usage;
  }
  if (isUsageError(err)) {
    io.stderr.write(ensureNewline(`stagecraft: ${err.message}`));
    return EXIT.usage;
  }
  const message = err instanceof Error ? err.message : String(err);
  io.stderr.write(
    `stagecraft: internal error (this is a bug, please report it): ${firstLine(message)}\n`,
  );
  return EXIT_BUG;
}

/** Duck-typed so the check does not import src/config eagerly. */
function isConfigError(err: unknown): err is ConfigError {
  return (
    err instanceof Error &&
    (err as { kind?: unknown }).kind === 'config-invalid' &&
    Array.isArray((err as { issues?: unknown }).issues)
  );
}

function isUsageError(err: unknown): err is UsageError {
  return err instanceof Error && (err as { kind?: unknown }).kind === 'usage';
}

function ensureNewline(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? '';
}
