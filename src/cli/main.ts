/**
 * The process entry (bin/stagecraft.js imports it): a thin wrapper around run(). This and
 * run()'s callers are the only places that end the process.
 */
import { run } from './run.js';

/** A reader that closed the pipe early (`stagecraft plan | head`) is not an error. */
function ignoreBrokenPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') {
      process.exit(process.exitCode ?? 0);
    }
    process.stderr.write(`stagecraft: cannot write output: ${err.message}\n`);
    process.exit(1);
  });
}

/** Resolves once everything written so far has been handed to the OS. */
function drained(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || !stream.writable) {
      resolve();
      return;
    }
    stream.write('', () => resolve());
  });
}

ignoreBrokenPipe(process.stdout);
ignoreBrokenPipe(process.stderr);

const code = await run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  isTTY: Boolean(process.stdout.isTTY),
});
process.exitCode = code;
await Promise.all([drained(process.stdout), drained(process.stderr)]);
// Keep-alive sockets or timers left by a probe must not delay the exit of a finished command.
process.exit(code);
