/**
 * The process entry (bin/stagecraft.js imports it): a thin wrapper around run(). This and
 * run()'s callers are the only places that end the process.
 */
import { closeSync } from 'node:fs';
import { isatty } from 'node:tty';
import { noteHangup } from '../runtime/hangup.js';
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
  const sink: TextSink & { readonly closed: boolean; close(): void } = {
    write: (chunk: string) => (closed || stream.destroyed ? false : stream.write(chunk)),
    get closed() {
      return closed || stream.destroyed;
    },
    close: () => {
      closed = true;
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
// The standard streams that are a terminal, known now: a terminal that hung up is no tty any more.
const terminalFds = [0, 1, 2].filter((fd) => isatty(fd));
let said = false;
let released = false;

/**
 * Node restores the terminal's mode at exit and aborts (a native assertion, exit 134) when the
 * terminal hung up (tcsetattr fails with EIO; newer Node releases ignore it). It skips a descriptor that
 * was closed, so the dead terminal's descriptors are closed right before the process ends.
 */
function releaseTerminalAtExit(): void {
  if (released) return;
  released = true;
  process.once('exit', () => {
    for (const fd of terminalFds) {
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
    }
  });
}

/** A command that changes nothing just ends when its reader goes (`stagecraft plan | head`). */
const endUnlessChanging = (code?: number): void => {
  if (!changing) process.exit(code ?? process.exitCode ?? 0);
};

/**
 * The terminal hung up (SIGHUP: the ssh connection dropped, the window was closed; or a write to
 * it failed with EIO, which comes first). A command that changes nothing ends; a changing one
 * goes on as with a closed stdout: it stops writing to the terminal (output to a file or a pipe
 * goes on), and its run takes the default of every prompt nobody can answer any more
 * (runtime/driver.ts).
 */
function terminalGone(why: string, code?: number): void {
  releaseTerminalAtExit();
  endUnlessChanging(code);
  if (process.stdout.isTTY) stdout.close();
  if (process.stderr.isTTY) stderr.close();
  // Reading a terminal that hung up fails (EIO): nothing is read from it any more.
  if (process.stdin.isTTY) process.stdin.on('error', () => undefined);
  say(`the terminal hung up (${why})`);
  noteHangup();
}

/** The one line that says the output went away. */
function say(what: string): void {
  if (said) return;
  said = true;
  stderr.write(`stagecraft: ${what}, continuing without it: the exit code tells the outcome\n`);
}

// A closed stderr leaves nowhere to say anything: the command goes on silently.
const stderr = outputSink(process.stderr, (err) =>
  err.code === 'EIO' && process.stderr.isTTY ? terminalGone('EIO') : endUnlessChanging(),
);
const stdout = outputSink(process.stdout, (err) => {
  if (err.code === 'EIO' && process.stdout.isTTY) terminalGone('EIO');
  else {
    endUnlessChanging();
    say(`output closed (${err.code ?? err.message})`);
  }
});

process.once('SIGHUP', () => {
  // Later hangups change nothing (and must not kill the process).
  process.on('SIGHUP', () => undefined);
  terminalGone('SIGHUP', 129);
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
