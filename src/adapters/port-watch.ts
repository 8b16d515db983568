/**
 * Watches the kernel's table of listening TCP sockets (/proc/net/tcp and tcp6, Linux) for the
 * ports that health probes wait on, so a service is probed the moment it starts listening instead
 * of at the next backoff tick. One poller serves every waiting probe (its cost does not grow with
 * the number of services); it runs only while someone waits. Where /proc/net is missing, or for
 * a probe of another host, a watch never fires and the probe's own backoff timer drives it.
 */
import { LOCAL_HOST, listeningSockets } from './port-holder.js';

/** How often the socket table is read while a probe waits. */
const POLL_MS = 10;

/** The listening ports now, or undefined when the table cannot be read (no /proc). */
function listeningPorts(): Set<number> | undefined {
  const sockets = listeningSockets();
  return sockets === undefined ? undefined : new Set(sockets.map((l) => l.port));
}

interface Waiter {
  port: number;
  /** Whether the port was listening when last seen (undefined: not seen yet). */
  seen: boolean | undefined;
  resolve: () => void;
}

const waiters = new Set<Waiter>();
let timer: NodeJS.Timeout | undefined;
let unavailable = false;
/** The table at the last poll: while a poll is scheduled it is at most POLL_MS old. */
let lastPorts: Set<number> = new Set();

function poll(): void {
  timer = undefined;
  const ports = listeningPorts();
  if (ports !== undefined) lastPorts = ports;
  if (ports === undefined) {
    unavailable = true;
    waiters.clear();
    return;
  }
  for (const w of waiters) {
    const now = ports.has(w.port);
    // Fire only on a change to listening seen by this watch: a port that was already listening
    // (another program, an old instance) must not make the probe spin.
    if (now && w.seen === false) {
      waiters.delete(w);
      w.resolve();
    } else w.seen = now;
  }
  schedule();
}

function schedule(): void {
  if (timer !== undefined || waiters.size === 0) return;
  timer = setTimeout(poll, POLL_MS);
  timer.unref();
}

/**
 * Resolves when TCP port `port` of this machine starts listening after the call; never when
 * `host` is not this machine, or when the socket table cannot be read. `signal` ends the watch.
 */
export function whenListening(host: string, port: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (unavailable || !LOCAL_HOST.test(host) || !Number.isInteger(port) || signal.aborted) return;
    // "Before" for this watch is the last look at the table, taken before this call: while
    // other watches run it is at most one poll old, so a port that starts listening between that
    // look and this call still fires (read at the next poll instead, it would count as already
    // listening and leave the probe to its backoff timer).
    const polling = timer !== undefined;
    const waiter: Waiter = { port, seen: polling ? lastPorts.has(port) : undefined, resolve };
    waiters.add(waiter);
    signal.addEventListener('abort', () => waiters.delete(waiter), { once: true });
    // Otherwise the first look at once: it fixes what "before" means for this watch.
    if (!polling) poll();
  });
}
