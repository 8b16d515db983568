/**
 * JSON lines to a pipe, batched: the messages written in one synchronous burst (a stage starting
 * fifty commands at once) go out as one write. Writes to a pipe are synchronous system calls in
 * Node on Linux, one per `write()` otherwise.
 */
import type { Writable } from 'node:stream';

/** A writer of JSON lines to `stream`; `flush()` writes what is queued now. */
export function lineWriter(stream: () => Writable | null | undefined): {
  send: (message: unknown) => void;
  flush: () => void;
} {
  let queued: string[] = [];
  const flush = (): void => {
    if (queued.length === 0) return;
    const text = queued.join('');
    queued = [];
    stream()?.write(text);
  };
  return {
    send: (message) => {
      if (queued.length === 0) queueMicrotask(flush);
      queued.push(`${JSON.stringify(message)}\n`);
    },
    flush,
  };
}
