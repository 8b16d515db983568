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
}
