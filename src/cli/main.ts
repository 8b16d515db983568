/**
 * The process entry (bin/stagecraft.js imports it): a thin wrapper around run(). This and
 * run()'s callers are the only places that end the process.
 */
import { CHANGING_COMMANDS, type TextSink } from './io.js';
import { run } from './run.js';

/**
 * A sink over one of the process's output streams that stops writing once the stream fails —
 * a reader closed the pipe (`stagecraft deploy | head -1`: EPIPE), a terminal went away (EIO).
 * Losing the output never ends the command: a deployment half done is worse than one nobody
 * watches, so it finishes (or rolls back) as if nothing happened and the exit code says how.
 */
function outputSink(stream: NodeJS.WriteStream, onClosed: (err: NodeJS.ErrnoException) => void) {
  let closed = false;
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (closed) return;
    closed = true;
    onClosed(err);
  });
  const sink: TextSink & { readonly closed: boolean } = {
    write: (chunk: string) => (closed || stream.destroyed ? false : stream.write(chunk)),
    get closed() {
      return closed || stream.destroyed;
    },
  };
  return sink;
}

/** Resolves once everything written so far has been handed to the OS. */
function drained(stream: NodeJS.WriteStream, sink: { readonly closed: boolean }): Promise<void> {
  return new Promise((resolve) => {
    if (sink.closed || !stream.writable) {
      resolve();
      return;
    }
    stream.write('', () => resolve());
  });
}

let changing = false;
/** A command that changes nothing just ends when its reader goes (`stagecraft plan | head`). */
const endUnlessChanging = (): void => {
  if (!changing) process.exit(process.exitCode ?? 0);
};
// A closed stderr leaves nowhere to say anything: the command goes on silently.
const stderr = outputSink(process.stderr, endUnlessChanging);
const stdout = outputSink(process.stdout, (err) => {
  endUnlessChanging();
  stderr.write(
    `stagecraft: output closed (${err.code ?? err.message}), continuing without it: the exit code tells the outcome\n`,
  );
});

const code = await run(process.argv.slice(2), {
  stdout,
  stderr,
  env: process.env,
  cwd: process.cwd(),
  isTTY: Boolean(process.stdout.isTTY),
  onCommand: (name) => {
    changing = CHANGING_COMMANDS.has(name);
  },
});
process.exitCode = code;
await Promise.all([drained(process.stdout, stdout), drained(process.stderr, stderr)]);
// Keep-alive sockets or timers left by a probe must not delay the exit of a finished command.
process.exit(code);
