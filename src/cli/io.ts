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
