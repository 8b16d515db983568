/**
 * SSH connections to the fleet's hosts (ssh2): one persistent connection per host
 * (user@address:port), opened on first use and again on the next use after it was lost.
 *
 * Measured limits (shared/notes/fleet-and-team-state.md B.2, B.3): `setNoDelay(true)` or every
 * command stalls 40 ms; at most 4 channels at a time per connection (sshd frees a session slot
 * only after the client saw `close`, so "Channel open failure" is retried with backoff); at most
 * 8 handshakes in flight (sshd MaxStartups drops unauthenticated connections past 10).
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Client, type ClientChannel, type ConnectConfig } from 'ssh2';
import type { HostSpec } from '../../config/plan-types.js';
import {
  checkHostKey,
  fingerprintOf,
  keyTypeOf,
  loadKnownHosts,
  type HostKeyVerdict,
} from './known-hosts.js';

const MAX_CHANNELS = 4;
const MAX_CONNECTING = 8;
const CHANNEL_ATTEMPTS = 4;
const CHANNEL_BACKOFF_MS = 50;
const CLOSE_BOUND_MS = 2000;

/** The host's key is not the one the known_hosts files trust: the connection was refused. */
export class HostKeyError extends Error {
  constructor(
    readonly verdict: Exclude<HostKeyVerdict, 'ok'>,
    message: string,
  ) {
    super(message);
    this.name = 'HostKeyError';
  }
}

/** The connection a command ran on was lost (keepalive timeout, reset, closed by the server). */
export class ConnectionLostError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConnectionLostError';
  }
}

/** A channel lent by the pool: call `release()` once it closed. */
export interface Lease {
  channel: ClientChannel;
  /** Called once with the reason if the connection is lost before `release()`. */
  onLost(listener: (error: ConnectionLostError) => void): void;
  release(): void;
}

interface Connection {
  key: string;
  client: Client;
  ready: Promise<void>;
  closed: boolean;
  active: number;
  queue: Array<{ resolve: () => void; reject: (e: Error) => void }>;
  lostListeners: Set<(error: ConnectionLostError) => void>;
}

const hostLabel = (host: HostSpec): string =>
  `${host.name} (${host.user}@${host.address}:${host.port})`;

function hostKeyMessage(verdict: HostKeyVerdict, host: HostSpec, key: Buffer): string {
  const what = `${keyTypeOf(key)} key ${fingerprintOf(key)}`;
  const where = `${host.address} port ${host.port} (host ${host.name})`;
  const files = host.ssh.knownHosts.join(', ') || '(no known_hosts files)';
  if (verdict === 'revoked') return `refusing ${where}: its ${what} is marked @revoked in ${files}`;
  if (verdict === 'mismatch')
    return (
      `HOST KEY MISMATCH for ${where}: it offered ${what}, which is not the key ${files} has ` +
      `for it. Someone may be intercepting the connection, or the host was reinstalled. ` +
      `Do not connect until the new key is checked out of band; then replace its line in ${files}.`
    );
  return (
    `unknown host key for ${where}: it offered ${what}, which no known_hosts file ` +
    `(${files}) lists. Check the fingerprint out of band, then trust it with: ` +
    `ssh-keyscan -p ${host.port} ${host.address} >> ${trustFile(host)}`
  );
}

/** The known_hosts file a new key is added to: the first one configured, quoted for a shell. */
function trustFile(host: HostSpec): string {
  const file = host.ssh.knownHosts[0];
  if (file === undefined) return '~/.ssh/known_hosts';
  return /^[A-Za-z0-9_./~+-]+$/.test(file) ? file : `'${file.replace(/'/g, `'\\''`)}'`;
}

/** The private key to use: `identityFile`, else (no agent) ~/.ssh/id_ed25519, then id_rsa. */
async function privateKeyOf(
  host: HostSpec,
  agent: string | undefined,
): Promise<Buffer | undefined> {
  if (host.ssh.identityFile !== undefined) return readFile(host.ssh.identityFile);
  if (agent !== undefined) return undefined;
  for (const name of ['id_ed25519', 'id_rsa']) {
    const key = await readFile(join(homedir(), '.ssh', name)).catch(() => undefined);
    if (key !== undefined) return key;
  }
  return undefined;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A small counting semaphore. */
class Slots {
  private used = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly size: number) {}
  async take(): Promise<void> {
    if (this.used < this.size) {
      this.used++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }
  give(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.used--;
  }
}

/** One SSH connection per host, shared by every command on it. */
export class SshPool {
  /** How many connections were opened (handshake completed) since the pool was made. */
  connectionsOpened = 0;
  private readonly connections = new Map<string, Connection>();
  private readonly connecting = new Slots(MAX_CONNECTING);
  private closing = false;

  /** Open a channel running `commandLine` on `host` (connecting first if needed). */
  async exec(host: HostSpec, commandLine: string): Promise<Lease> {
    for (let attempt = 1; ; attempt++) {
      const conn = await this.connection(host);
      await this.acquire(conn);
      try {
        const channel = await new Promise<ClientChannel>((resolve, reject) => {
          conn.client.exec(commandLine, (err, ch) => (err ? reject(err) : resolve(ch)));
        });
        return this.lease(conn, channel);
      } catch (error) {
        this.releaseSlot(conn);
        const message = (error as Error).message;
        if (conn.closed) throw new ConnectionLostError(`connection to ${hostLabel(host)} lost`);
        if (!/Channel open failure/i.test(message) || attempt >= CHANNEL_ATTEMPTS) throw error;
        await sleep(CHANNEL_BACKOFF_MS * 2 ** (attempt - 1) * (0.5 + Math.random()));
      }
    }
  }

  /** End every connection; resolves when all closed (bounded: destroyed after 2 s). */
  async close(): Promise<void> {
    this.closing = true;
    const all = [...this.connections.values()];
    this.connections.clear();
    await Promise.all(
      all.map(async (conn) => {
        if (conn.closed) return;
        const gone = new Promise<void>((resolve) => conn.client.once('close', () => resolve()));
        conn.client.end();
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<void>((resolve) => {
          timer = setTimeout(() => {
            conn.client.destroy();
            resolve();
          }, CLOSE_BOUND_MS);
        });
        await Promise.race([gone, late]);
        clearTimeout(timer);
        this.lost(conn, 'the pool was closed');
      }),
    );
    this.closing = false;
  }

  private lease(conn: Connection, channel: ClientChannel): Lease {
    let released = false;
    let listener: ((error: ConnectionLostError) => void) | undefined;
    return {
      channel,
      onLost: (l) => {
        listener = l;
        conn.lostListeners.add(l);
      },
      release: () => {
        if (released) return;
        released = true;
        if (listener) conn.lostListeners.delete(listener);
        this.releaseSlot(conn);
      },
    };
  }

  private async acquire(conn: Connection): Promise<void> {
    if (conn.active < MAX_CHANNELS) {
      conn.active++;
      return;
    }
    await new Promise<void>((resolve, reject) => conn.queue.push({ resolve, reject }));
  }

  private releaseSlot(conn: Connection): void {
    const next = conn.queue.shift();
    if (next) next.resolve();
    else conn.active = Math.max(0, conn.active - 1);
  }

  /** The live connection to `host`, opened now if there is none (or the last one was lost). */
  private async connection(host: HostSpec): Promise<Connection> {
    if (this.closing) throw new Error('the SSH pool is closing');
    const key = `${host.user}@${host.address}:${host.port}`;
    let conn = this.connections.get(key);
    if (conn === undefined || conn.closed) {
      conn = this.open(key, host);
      this.connections.set(key, conn);
    }
    try {
      await conn.ready;
    } catch (error) {
      if (this.connections.get(key) === conn) this.connections.delete(key);
      throw error;
    }
    return conn;
  }

  private lost(conn: Connection, why: string, host?: HostSpec): void {
    if (conn.closed) return;
    conn.closed = true;
    if (this.connections.get(conn.key) === conn) this.connections.delete(conn.key);
    const error = new ConnectionLostError(
      `connection to ${host ? hostLabel(host) : conn.key} lost: ${why}`,
    );
    for (const waiter of conn.queue.splice(0)) waiter.reject(error);
    for (const l of [...conn.lostListeners]) l(error);
    conn.lostListeners.clear();
  }

  private open(key: string, host: HostSpec): Connection {
    const client = new Client();
    const conn: Connection = {
      key,
      client,
      ready: Promise.resolve(),
      closed: false,
      active: 0,
      queue: [],
      lostListeners: new Set(),
    };
    conn.ready = (async () => {
      const entries = await loadKnownHosts(host.ssh.knownHosts);
      const agent =
        host.ssh.agent === true
          ? process.env.SSH_AUTH_SOCK || undefined
          : host.ssh.agent === false
            ? undefined
            : host.ssh.agent;
      const privateKey = await privateKeyOf(host, agent);
      if (privateKey === undefined && agent === undefined)
        throw new Error(
          `no SSH credentials for ${hostLabel(host)}: set ssh.identityFile, or run an ssh-agent ` +
            `(SSH_AUTH_SOCK)`,
        );
      let refused: HostKeyError | undefined;
      const config: ConnectConfig = {
        host: host.address,
        port: host.port,
        username: host.user,
        readyTimeout: host.ssh.connectTimeoutMs,
        keepaliveInterval: host.ssh.keepaliveMs,
        keepaliveCountMax: host.ssh.keepaliveCount,
        ...(privateKey === undefined ? {} : { privateKey }),
        ...(agent === undefined ? {} : { agent }),
        hostVerifier: (offered: Buffer): boolean => {
          const verdict = checkHostKey(entries, host.address, host.port, offered);
          if (verdict === 'ok') return true;
          refused = new HostKeyError(verdict, hostKeyMessage(verdict, host, offered));
          return false;
        },
      };
      await this.connecting.take();
      try {
        await new Promise<void>((resolve, reject) => {
          let up = false;
          client.once('ready', () => {
            up = true;
            client.setNoDelay(true);
            this.connectionsOpened++;
            resolve();
          });
          client.on('error', (error: Error) => {
            if (!up) reject(refused ?? error);
            else {
              this.lost(conn, error.message, host);
              client.destroy();
            }
          });
          client.once('close', () => {
            if (!up) reject(refused ?? new Error(`connection to ${hostLabel(host)} closed`));
            this.lost(conn, 'closed', host);
          });
          client.connect(config);
        });
      } catch (error) {
        conn.closed = true;
        client.destroy();
        const message = (error as Error).message;
        if (error instanceof HostKeyError) throw error;
        throw new Error(`cannot connect to ${hostLabel(host)}: ${message}`, { cause: error });
      } finally {
        this.connecting.give();
      }
    })();
    // Not awaited by everyone at once: an unobserved rejection is not a crash.
    conn.ready.catch(() => undefined);
    return conn;
  }
}
