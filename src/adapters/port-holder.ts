/**
 * Who listens on a TCP port of this machine (Linux: /proc/net/tcp and tcp6 for the listening
 * sockets, /proc/<pid>/fd for the process that holds one). How stagecraft tells that the port a
 * service's health check reaches is already taken before the service starts, and whether the
 * program answering that check is the service's own process group. Read-only.
 */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { readProcStat } from '../core/liveness.js';

/** Hosts whose sockets are this machine's. */
export const LOCAL_HOST = /^(localhost|127(\.\d{1,3}){3}|0\.0\.0\.0|::1?|\[::1?\])$/i;

const TABLES = ['/proc/net/tcp', '/proc/net/tcp6'];
const LISTEN = '0A';

/** A listening socket: its address (`127.0.0.1`, `0.0.0.0`, `::`, `::1`, `v6`) and inode. */
interface Listener {
  address: string;
  inode: number;
}

/** `0100007F` → `127.0.0.1` (the kernel prints each 32-bit word in host byte order). */
function wordBytes(hex: string): number[] {
  const bytes: number[] = [];
  for (let i = 6; i >= 0; i -= 2) bytes.push(Number.parseInt(hex.slice(i, i + 2), 16));
  return bytes;
}

/** A /proc/net address in hex as text; IPv4-mapped IPv6 addresses read as IPv4. */
function addressOf(hex: string): string {
  if (hex.length === 8) return wordBytes(hex).join('.');
  const bytes = [0, 8, 16, 24].flatMap((i) => wordBytes(hex.slice(i, i + 8)));
  if (bytes.every((b) => b === 0)) return '::';
  if (bytes.slice(0, 15).every((b) => b === 0) && bytes[15] === 1) return '::1';
  const mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 255 && bytes[11] === 255;
  return mapped ? bytes.slice(12).join('.') : 'v6';
}

/** One listening TCP socket of the kernel's tables: its local address in hex, port and inode. */
interface RawListener {
  hex: string;
  port: number;
  inode: number;
}

/**
 * Every listening TCP socket of this machine (/proc/net/tcp and tcp6); undefined when neither
 * table can be read (no /proc). The one reader of those tables (the port watch polls it too).
 */
export function listeningSockets(): RawListener[] | undefined {
  const found: RawListener[] = [];
  let read = false;
  for (const table of TABLES) {
    let text: string;
    try {
      text = readFileSync(table, 'latin1');
    } catch {
      continue;
    }
    read = true;
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields[3] !== LISTEN) continue;
      const [hex = '', portHex = ''] = (fields[1] ?? '').split(':');
      const port = Number.parseInt(portHex, 16);
      if (Number.isInteger(port)) found.push({ hex, port, inode: Number(fields[9]) });
    }
  }
  return read ? found : undefined;
}

/** The listening sockets on `port`; undefined without /proc/net. */
function listenersOn(port: number): Listener[] | undefined {
  return listeningSockets()
    ?.filter((l) => l.port === port)
    .map((l) => ({ address: addressOf(l.hex), inode: l.inode }));
}

/** Whether a listener on `address` takes the port for connections to `host`. */
function blocks(host: string, address: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === '0.0.0.0' || h === '::') return true;
  if (address === '0.0.0.0' || address === '::') return true;
  if (h === 'localhost') return address === '127.0.0.1' || address === '::1';
  return address === h;
}

/** Whether `pid` has socket `target` open. */
function holds(pid: number, target: string): boolean {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return false;
  }
  return fds.some((fd) => {
    try {
      return readlinkSync(`/proc/${pid}/fd/${fd}`) === target;
    } catch {
      return false; // closed meanwhile
    }
  });
}

/** `pid` and its descendants (from /proc/<pid>/task/<tid>/children, where the kernel has it). */
function family(pid: number, depth = 4): number[] {
  if (depth === 0) return [pid];
  let kids: number[] = [];
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      if (text !== '') kids = kids.concat(text.split(' ').map(Number));
    }
  } catch {
    // gone, or no children files
  }
  return [pid, ...kids.flatMap((k) => family(k, depth - 1))];
}

/**
 * The pid whose open files include socket `inode` (only processes this user may read). The
 * family of `near` is looked at first: usually the service's own process holds its port, and
 * then no scan of every process is needed.
 */
function socketOwner(inode: number, near?: number): number | undefined {
  const target = `socket:[${inode}]`;
  const first = near === undefined ? [] : family(near);
  const found = first.find((pid) => holds(pid, target));
  if (found !== undefined) return found;
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (Number.isInteger(pid) && pid > 0 && !first.includes(pid) && holds(pid, target)) return pid;
  }
  return undefined;
}

/** A process's command line, shortened: `node server.mjs 8080`. */
function commandOf(pid: number): string | undefined {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    const text = argv.join(' ');
    if (text === '') return undefined;
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  } catch {
    return undefined;
  }
}

/** Who holds a port: the listening process and its group, when /proc shows them. */
export interface Holder {
  pid?: number;
  pgrp?: number;
  command?: string;
}

/**
 * The program listening on `host:port` of this machine: undefined when nothing listens there,
 * `null` when it cannot be known (another host, or no /proc). A listener another user owns is
 * reported without a pid. `near`: a pid whose process tree probably holds it (looked at first).
 */
export function portHolder(host: string, port: number, near?: number): Holder | undefined | null {
  if (!LOCAL_HOST.test(host) || !Number.isInteger(port)) return null;
  const listeners = listenersOn(port);
  if (listeners === undefined) return null;
  const listener = listeners.find((l) => blocks(host, l.address));
  if (listener === undefined) return undefined;
  const pid = socketOwner(listener.inode, near);
  if (pid === undefined) return {};
  const pgrp = readProcStat(pid)?.pgrp;
  const command = commandOf(pid);
  return {
    pid,
    ...(pgrp === undefined ? {} : { pgrp }),
    ...(command === undefined ? {} : { command }),
  };
}
