/**
 * Process groups: whether one has live members, which carry a tag, signalling them, and the groups
 * this process started (killed when a run ends). Whether one process lives is
 * src/core/liveness.ts's.
 *
 * Signals go only to groups stagecraft can vouch for: never pid 0, 1, a negative number or
 * stagecraft's own process group ({@link signalGroup} refuses them).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dead, environOf, hasProc, isAlive, readProcStat } from '../core/liveness.js';

/**
 * Whether any live (non-zombie) member of process group `pgid` is left. One system call when the
 * group is empty (the usual case); a /proc scan only when zombies may be all that remains.
 */
export function groupAlive(pgid: number): boolean {
  if (!Number.isInteger(pgid) || pgid <= 1) return false;
  try {
    process.kill(-pgid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  return groupMembers(pgid).length > 0;
}

/** Live (non-zombie) members of a process group. Without /proc, the leader only, if alive. */
export function groupMembers(pgid: number): number[] {
  if (!hasProc) return isAlive(pgid) ? [pgid] : [];
  const members: number[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const stat = readProcStat(pid);
    if (stat && stat.pgrp === pgid && !dead(stat.state)) members.push(pid);
  }
  return members;
}

/**
 * Process groups whose leader carries `NAME=value` in its environment (/proc/<pid>/environ).
 * How stagecraft finds a process it started but had no time to record (the orchestrator was
 * killed between the spawn and the registry write). Without /proc: none.
 */
export function groupsTagged(name: string, value: string): number[] {
  if (!hasProc) return [];
  const needle = `${name}=${value}\0`;
  const leaders: number[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const stat = readProcStat(pid);
    if (!stat || stat.pgrp !== pid || dead(stat.state)) continue;
    try {
      if (`${readFileSync(`/proc/${pid}/environ`, 'latin1')}\0`.includes(needle)) leaders.push(pid);
    } catch {
      // not ours to read, or gone
    }
  }
  return leaders;
}

/** The last pid the kernel handed out, when it can be read. */
function lastPid(): number | undefined {
  try {
    const last = Number(readFileSync('/proc/sys/kernel/ns_last_pid', 'latin1'));
    return Number.isInteger(last) && last > 0 ? last : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether `pid` may have been handed out since `sincePid` was: (sincePid, last], or, past a
 * wrap-around, above sincePid or up to last. Without `sincePid` (or the kernel's last pid), any.
 */
function handedOutSince(pid: number, sincePid: number | undefined, last: number | undefined) {
  if (sincePid === undefined) return true;
  if (last === undefined) return pid >= sincePid;
  if (last >= sincePid) return pid >= sincePid && pid <= last;
  return pid >= sincePid || pid <= last;
}

/**
 * Live processes, group leaders or not, whose environment carries `NAME=value` and that were
 * started since process `sincePid` (pids are handed out in rising order, wrapping around: only
 * the pids handed out since are read, which keeps the scan cheap on a busy machine). How a
 * one-shot command's processes are found after they left its process group (`setsid`). Without
 * `sincePid`, every pid is read. Without /proc: none.
 */
export function processesTagged(name: string, value: string, sincePid?: number): number[] {
  if (!hasProc) return [];
  const needle = `${name}=${value}\0`;
  const last = lastPid();
  const since = (pid: number): boolean => handedOutSince(pid, sincePid, last);
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid || !since(pid)) continue;
    try {
      if (!`${readFileSync(`/proc/${pid}/environ`, 'latin1')}\0`.includes(needle)) continue;
    } catch {
      continue; // not ours to read, or gone
    }
    const stat = readProcStat(pid);
    if (stat && !dead(stat.state)) found.push(pid);
  }
  return found;
}

/** A lookup waiting for the next shared sweep: the tag value and the pids it may be among. */
interface SweepRequest {
  value: string;
  sincePid: number | undefined;
  resolve: (pids: number[]) => void;
}

/**
 * How long a sweep waits for more lookups to share it. Commands of a large deployment end in
 * bursts: one /proc read then serves every command that ended within this window.
 */
const SWEEP_WINDOW_MS = 3;

/** The lookups of the sweep armed now (one per environment variable name). */
const pendingSweeps = new Map<string, SweepRequest[]>();

/** One read of /proc for every lookup of `name` that joined it. */
function sweep(name: string, requests: SweepRequest[]): void {
  const byValue = new Map<string, number[]>();
  for (const r of requests) byValue.set(r.value, []);
  if (hasProc) {
    const needle = `${name}=`;
    const last = lastPid();
    const all = requests.some((r) => r.sincePid === undefined);
    const since = (pid: number): boolean =>
      all || requests.some((r) => handedOutSince(pid, r.sincePid, last));
    for (const entry of readdirSync('/proc')) {
      const pid = Number(entry);
      if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid || !since(pid)) continue;
      let environ: string;
      try {
        environ = `\0${readFileSync(`/proc/${pid}/environ`, 'latin1')}\0`;
      } catch {
        continue; // not ours to read, or gone
      }
      const at = environ.indexOf(`\0${needle}`);
      if (at < 0) continue;
      const start = at + 1 + needle.length;
      const found = byValue.get(environ.slice(start, environ.indexOf('\0', start)));
      if (found === undefined) continue;
      const stat = readProcStat(pid);
      if (stat && !dead(stat.state)) found.push(pid);
    }
  }
  for (const r of requests) r.resolve(byValue.get(r.value) ?? []);
}

/**
 * {@link processesTagged}, shared: lookups made within a few milliseconds of each other are
 * answered by one read of /proc. The read starts after the lookup was made, so a process that
 * carries the tag when the lookup is made (and lives on) is found, as by its own read.
 */
export function processesTaggedShared(
  name: string,
  value: string,
  sincePid?: number,
): Promise<number[]> {
  if (!hasProc) return Promise.resolve([]);
  return new Promise((resolve) => {
    let requests = pendingSweeps.get(name);
    if (requests === undefined) {
      const batch: SweepRequest[] = [];
      requests = batch;
      pendingSweeps.set(name, batch);
      setTimeout(() => {
        pendingSweeps.delete(name);
        sweep(name, batch);
      }, SWEEP_WINDOW_MS);
    }
    requests.push({ value, sincePid, resolve });
  });
}

/** Poll until `done()` holds or the deadline passes; resolves with the final `done()`. */
export async function waitFor(
  done: () => boolean,
  deadlineMs: number,
  everyMs = 20,
): Promise<boolean> {
  const until = Date.now() + deadlineMs;
  while (!done()) {
    if (Date.now() >= until) return done();
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  return true;
}

/** Our own process group: never signalled. */
const ownGroup = (): number | undefined => readProcStat(process.pid)?.pgrp;

/**
 * Whether `pgid` is a group stagecraft may signal at all: a real group id (> 1) that is not its
 * own. Callers additionally check that the group is one they started.
 */
function signallable(pgid: number): boolean {
  return Number.isInteger(pgid) && pgid > 1 && pgid !== process.pid && pgid !== ownGroup();
}

/** What stagecraft recorded about a process it started: how a live pid is proven to be that one. */
export interface Identity {
  pid: number;
  /** The /proc start time recorded when it was started. */
  procStart?: number;
  /** `name=value` in the environment of every process of the instance (the instance tag). */
  tag?: { name: string; value: string };
}

/**
 * Whether `id` may be signalled: `ours` (proven by its start time or its instance tag), `gone`
 * (nothing of it is left), or `refused` with the reason; `forget` when the entry can only be stale
 * (its pid now belongs to a process with another start time).
 */
export type Verdict =
  | { verdict: 'ours' }
  | { verdict: 'gone' }
  | { verdict: 'refused'; reason: string; forget: boolean };

/**
 * The one guard before a recorded process is signalled: never pid 0, 1 or a negative number (they
 * address every process or a whole group), never stagecraft's own process or group, never a
 * process whose identity cannot be checked. Without /proc (macOS) liveness is all that can be
 * checked, and a live pid is taken as the recorded one.
 */
export function checkIdentity(id: Identity): Verdict {
  const { pid } = id;
  const refuse = (reason: string, forget = false): Verdict => ({
    verdict: 'refused',
    reason,
    forget,
  });
  if (!Number.isInteger(pid) || pid <= 1)
    return refuse(
      `pid ${String(pid)} cannot be a process stagecraft started (0, 1 and negative pids address whole groups or every process)`,
    );
  if (pid === process.pid || pid === ownGroup())
    return refuse(`pid ${pid} is stagecraft's own process or process group`);
  const leader = hasProc ? readProcStat(pid) : undefined;
  const leaderLive = hasProc ? leader !== undefined && !dead(leader.state) : isAlive(pid);
  if (!leaderLive && !groupAlive(pid)) return { verdict: 'gone' };
  if (!hasProc) return { verdict: 'ours' };
  const tagged = (member: number): boolean =>
    id.tag !== undefined && environOf(member)?.[id.tag.name] === id.tag.value;
  if (leaderLive) {
    if (id.procStart !== undefined && leader?.startTime === id.procStart)
      return { verdict: 'ours' };
    if (tagged(pid)) return { verdict: 'ours' };
    if (id.procStart !== undefined)
      return refuse(
        `pid ${pid} is now another process (started at another time than the one recorded)`,
        true,
      );
    return refuse(
      `pid ${pid} has no recorded start time, so it cannot be proven to be the one stagecraft started`,
    );
  }
  // The leader is gone but its group lives on: a member must carry the instance's tag.
  if (groupMembers(pid).some(tagged)) return { verdict: 'ours' };
  return refuse(`process group ${pid} has no member stagecraft can prove it started`);
}

/** Signal a whole process group; a group that is gone, or one that may not be signalled, is not. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  if (!signallable(pgid)) return false;
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * Signal one process that {@link processesTagged} just found (never pid 0, 1, stagecraft itself
 * or its parent); a process that is gone is not.
 */
export function signalProcess(pid: number, signal: NodeJS.Signals): boolean {
  if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid || pid === process.ppid)
    return false;
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** TERM the group, wait up to `graceMs`, KILL what is left, wait (bounded) until it is gone. */
export async function killGroup(pgid: number, graceMs: number): Promise<void> {
  if (!signallable(pgid)) return;
  const gone = (): boolean => !isAlive(pgid) && !groupAlive(pgid);
  signalGroup(pgid, 'SIGTERM');
  if (await waitFor(gone, graceMs)) return;
  signalGroup(pgid, 'SIGKILL');
  await waitFor(gone, 5000);
}

/**
 * Every detached process group started in THIS orchestrator process for a one-shot command.
 * Detached groups escape the terminal's Ctrl-C (they are not in its process group), so the runtime kills them on SIGINT,
 * SIGTERM and exit. Long-running `process` services are deliberately not tracked here: they must
 * outlive the CLI, and live in the process registry.
 */
const tracked = new Map<number, Identity | undefined>();

/**
 * Remember a one-shot command's process group so it can be killed on interruption, with how to
 * prove it is still that group (its leader's start time, the command's tag).
 */
export function trackGroup(pgid: number, identity?: Omit<Identity, 'pid'>): void {
  tracked.set(pgid, identity === undefined ? undefined : { ...identity, pid: pgid });
}

/** Forget a process group (it finished or was killed). */
export function untrackGroup(pgid: number): void {
  tracked.delete(pgid);
}

/** The process groups currently tracked. */
export function trackedGroups(): number[] {
  return [...tracked.keys()];
}

/**
 * Whether a tracked group may be signalled: proven by its identity (checkIdentity) when one was
 * recorded; without one (no /proc start time), the group is signalled while it has members.
 */
function provenTracked(pgid: number, identity: Identity | undefined): boolean {
  return identity === undefined ? true : checkIdentity(identity).verdict === 'ours';
}

/**
 * Send `signal` (default SIGKILL: the last resort after graceful cancellation had its chance) to
 * every tracked group still proven to be the one started, and forget them. Synchronous, so it can
 * run in a `process.on('exit')` hook.
 */
export function killTrackedGroups(signal: NodeJS.Signals = 'SIGKILL'): void {
  for (const [pgid, identity] of tracked)
    if (provenTracked(pgid, identity)) signalGroup(pgid, signal);
  tracked.clear();
}
