import { CommanderError } from 'commander';
import { isStagecraftError } from '../core/errors.js';
import type { ConfigError } from '../config/errors.js';
import { EXIT, exitCodeOfError } from './exit-codes.js';
import { escapingIo } from './io.js';
import type { CliIo } from './io.js';
import { closeStores } from '../runtime/open-stores.js';
import { buildProgram } from './program.js';

/**
 * The CLI, in process: parses argv (without `node` and the script), runs the command and
 * returns its exit code. Never calls process.exit (main.ts does), never throws: every error has
 * a kind and one exit code (exit-codes.ts); an error without a kind is a bug, said in one line.
 */
export async function run(argv: string[], rawIo: CliIo): Promise<number> {
  const io = escapingIo(rawIo);
  let exitCode: number = EXIT.ok;
  const program = buildProgram(io, (code) => {
    exitCode = code;
  });
  program.hook('preAction', (_root, command) => io.onCommand?.(command.name()));
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    return reportError(err, io);
  } finally {
    await closeStores();
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
  if (isStagecraftError(err) && err.kind !== 'bug') {
    io.stderr.write(ensureNewline(`stagecraft: ${err.message}`));
    return exitCodeOfError(err.kind);
  }
  const message = err instanceof Error ? err.message : String(err);
  io.stderr.write(
    `stagecraft: internal error (this is a bug, please report it): ${firstLine(message)}\n`,
  );
  return exitCodeOfError('bug');
}

/** Duck-typed so the check does not import src/config eagerly. */
function isConfigError(err: unknown): err is ConfigError {
  return (
    err instanceof Error &&
    (err as { kind?: unknown }).kind === 'config-invalid' &&
    Array.isArray((err as { issues?: unknown }).issues)
  );
}

function ensureNewline(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? '';
}
