import { escapeControls } from '../core/control-chars.js';

/** Something text can be written to (process.stdout, a test's collector). */
export interface TextSink {
  write(chunk: string): unknown;
}

/**
 * What a CLI run may touch of its surroundings. The in-process entry `run(argv, io)` gets it
 * from main.ts (the real process) or from tests (collectors, a temp cwd, a fake environment).
 */
export interface CliIo {
  stdout: TextSink;
  stderr: TextSink;
  /** The operator's environment: secrets are read from here, commands inherit it. */
  env: NodeJS.ProcessEnv;
  /** Where relative paths and config discovery start. */
  cwd: string;
  /** True when stdout is a terminal (the Ink UI is only used then). Default false. */
  isTTY?: boolean;
  /** Told the name of the command about to run (main.ts: what a closed output means for it). */
  onCommand?: (name: string) => void;
}

/**
 * The commands that change the environment: once started they never stop because nobody reads
 * their output any more (a closed pipe); the others (plan, status, history ...) just end.
 */
export const CHANGING_COMMANDS: ReadonlySet<string> = new Set([
  'deploy',
  'rollback',
  'down',
  'resume',
  'unlock',
]);

/**
 * The io every command prints through: its stdout and stderr escape control characters (ESC,
 * CR, BEL, other C0/C1) from whatever they print — plan, errors, deploy lines, status, show,
 * history — so text from a config (or a service's output) never drives the terminal. Colour
 * sequences pass only where the line reporter colours (a terminal without NO_COLOR).
 */
export function escapingIo(io: CliIo): CliIo {
  const colour = io.isTTY === true && io.env.NO_COLOR === undefined;
  const escaping = (sink: TextSink): TextSink => ({
    write: (chunk: string) => sink.write(escapeControls(chunk, colour)),
  });
  return { ...io, stdout: escaping(io.stdout), stderr: escaping(io.stderr) };
}
