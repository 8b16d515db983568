/**
 * One-shot commands left running by a run that was killed (kill -9 of stagecraft's whole process
 * group takes the command runner with it, and the commands, in groups of their own, live on):
 * found by the tag every command carries in its environment, which names the deployment and the
 * step it ran for, and stopped before anything runs again — never a process whose identity is not
 * proven (its tag names a deployment the caller vouches for, and it started after that deployment
 * did).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dead, environOf, hasProc, readProcStat } from '../core/liveness.js';
import { checkIdentity, signalGroup, signalProcess, waitFor } from './proc.js';

/** The environment variable that tags every one-shot command and everything it starts. */
export const COMMAND_TAG = 'STAGECRAFT_COMMAND';

/** Who a command runs for: the deployment and its step (e.g. `web.activate`). */
export interface CommandOwner {
  deploymentId: string;
  step: string;
}

/**
 * The tag value of one command: `<deploymentId>/<step>/<unique>`, or `<unique>` alone for a
 * command run outside a deployment. A deployment id has no `/`; the unique part is a UUID.
 */
export function commandTag(owner: CommandOwner | undefined, unique: string): string {
  return owner === undefined ? unique : `${owner.deploymentId}/${owner.step}/${unique}`;
}

/** The owner named in a tag value, if it names one. */
export function ownerOfTag(value: string): CommandOwner | undefined {
  const first = value.indexOf('/');
  const last = value.lastIndexOf('/');
  if (first <= 0 || last <= first + 1) return undefined;
  return { deploymentId: value.slice(0, first), step: value.slice(first + 1, last) };
}

/** One command of a dead run that is still running: its tag, its processes and their start times. */
export interface OrphanCommand extends CommandOwner {
  tag: string;
  /** Its process group, when the group's leader (the command itself) is among them. */
  leader?: number;
  /** Every live process carrying the tag: its /proc start time, and that time in ms since the epoch. */
  processes: Array<{ pid: number; procStart: number; startedAt: number }>;
}

/** Clock ticks per second of /proc start times (USER_HZ: 100 on every Linux Node runs on). */
const TICKS_PER_SECOND = 100;
/** /proc/stat's boot time has whole seconds: a start time is compared with this much slack. */
const BOOT_SLACK_MS = 1500;

function bootTimeMs(): number | undefined {
  try {
    const line = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'latin1'));
    return line?.[1] === undefined ? undefined : Number(line[1]) * 1000;
  } catch {
    return undefined;
  }
}

/** The value of `name` in a raw /proc environ, if it is set. */
function valueIn(environ: string, name: string): string | undefined {
  const padded = `\0${environ}`;
  const at = padded.indexOf(`\0${name}=`);
  if (at < 0) return undefined;
  const start = at + name.length + 2;
  const end = padded.indexOf('\0', start);
  return padded.slice(start, end < 0 ? undefined : end);
}

/**
 * The one-shot commands running now whose tag names a deployment `wanted` accepts, one read of
 * /proc. Without /proc: none.
 */
export function findOrphanCommands(wanted: (deploymentId: string) => boolean): OrphanCommand[] {
  if (!hasProc) return [];
  const boot = bootTimeMs();
  if (boot === undefined) return [];
  const found = new Map<string, OrphanCommand>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid) continue;
    let environ: string;
    try {
      environ = readFileSync(`/proc/${pid}/environ`, 'latin1');
    } catch {
      continue; // not ours to read, or gone
    }
    const tag = valueIn(environ, COMMAND_TAG);
    const owner = tag === undefined ? undefined : ownerOfTag(tag);
    if (tag === undefined || owner === undefined || !wanted(owner.deploymentId)) continue;
    const stat = readProcStat(pid);
    if (stat === undefined || dead(stat.state)) continue;
    const startedAt = boot + (stat.startTime / TICKS_PER_SECOND) * 1000;
    const command = found.get(tag) ?? { ...owner, tag, processes: [] };
    command.processes.push({ pid, procStart: stat.startTime, startedAt });
    if (stat.pgrp === pid) command.leader = pid;
    found.set(tag, command);
  }
  return [...found.values()];
}

/**
 * The part of `command` that is proven to be its deployment's, which began at `began` (ms since
 * the epoch): a process that started before its deployment did carries a tag it cannot have got
 * from it (copied into its environment) and is left alone. Undefined when nothing is left.
 */
export function startedSince(command: OrphanCommand, began: number): OrphanCommand | undefined {
  const processes = command.processes.filter((p) => p.startedAt >= began - BOOT_SLACK_MS);
  if (processes.length === 0) return undefined;
  const { leader, ...rest } = command;
  return {
    ...rest,
    processes,
    ...(leader !== undefined && processes.some((p) => p.pid === leader) ? { leader } : {}),
  };
}

/** What {@link stopOrphanCommand} did: `stopped` by SIGTERM, `killed` by SIGKILL, or `survived`. */
export type OrphanStop = CommandOwner & {
  pid: number;
  how: 'stopped' | 'killed' | 'survived';
};

/** Whether `pid` is still the process that had start time `procStart`. */
const still = (pid: number, procStart: number): boolean => {
  const stat = readProcStat(pid);
  return stat !== undefined && !dead(stat.state) && stat.startTime === procStart;
};

/**
 * Signals what is proven to be the command now: its group while the leader is (its start time,
 * or the group's members carry the tag), and each tagged process while it is the one found.
 */
function signalOrphan(command: OrphanCommand, signal: NodeJS.Signals): void {
  const leader = command.processes.find((p) => p.pid === command.leader);
  if (
    leader !== undefined &&
    checkIdentity({
      pid: leader.pid,
      procStart: leader.procStart,
      tag: { name: COMMAND_TAG, value: command.tag },
    }).verdict === 'ours'
  )
    signalGroup(leader.pid, signal);
  for (const p of command.processes)
    if (still(p.pid, p.procStart) && environOf(p.pid)?.[COMMAND_TAG] === command.tag)
      signalProcess(p.pid, signal);
}

/**
 * Stops an orphan command: SIGTERM to its group and its tagged processes, `graceMs` to end, then
 * SIGKILL to what is still proven to be it, and a bounded wait (`killWaitMs`) for it to go.
 */
export async function stopOrphanCommand(
  command: OrphanCommand,
  graceMs = 3000,
  killWaitMs = 2000,
): Promise<OrphanStop> {
  const pid = command.leader ?? command.processes[0]?.pid ?? 0;
  const result = (how: OrphanStop['how']): OrphanStop => ({
    deploymentId: command.deploymentId,
    step: command.step,
    pid,
    how,
  });
  const gone = (): boolean => command.processes.every((p) => !still(p.pid, p.procStart));
  signalOrphan(command, 'SIGTERM');
  if (await waitFor(gone, graceMs)) return result('stopped');
  signalOrphan(command, 'SIGKILL');
  return result((await waitFor(gone, killWaitMs)) ? 'killed' : 'survived');
}
