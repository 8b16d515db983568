/**
 * One run's durable session: state dir, environment lock, deployment record and journal. Opened
 * before the statechart starts (or reopened by `resume`), closed on every exit path: `close`
 * records how the run ended and releases the lock; `closeSync` is the last resort on exit.
 */
import { hostname } from 'node:os';
import {
  findOrphanCommands,
  startedSince,
  stopOrphanCommand,
  type OrphanCommand,
  type OrphanStop,
} from '../adapters/orphans.js';
import { StagecraftError } from '../core/errors.js';
import type { Masker } from '../core/mask.js';
import type { ResolvedPlan } from '../config/plan-types.js';
import { FACTS_VERSION, MACHINE_VERSION, type Outcome } from '../record/facts.js';
import { ensureStateDir } from '../state/format.js';
import { closeSshPool } from './effects/remote.js';
import type { HostLock } from './host-lock.js';
import { statePaths } from '../state/layout.js';
import { describeHolder, type LockInfo, type LockResult } from '../state/locks.js';
import {
  effectiveStatus,
  newDeploymentId,
  type DeploymentMeta,
  type DeploymentStatus,
} from '../state/meta.js';
import type { JournalWriter, Store } from '../state/store.js';
import { RunGate } from './gate.js';
import { operatorName } from './operator.js';

export { operatorName };

/** An open session. */
export interface Session {
  id: string;
  stateDir: string;
  /** Where the lock, the record and the journal are (the state directory or the database). */
  store: Store;
  environment: string;
  journal: JournalWriter;
  logDir: string;
  /** Where the journal is, for messages (a file, or the deployment in the database). */
  journalPath: string;
  /**
   * Why the environment lock was lost while the run held it (the database connection holding
   * it went away), once it was: the run starts nothing more and stops at its next safe point.
   */
  lockLost?: string;
  /** Closed when the lock is lost: the run's effects that change the world pass through it. */
  gate: RunGate;
  /** Tells `listener` when the lock is lost (at once, if it already was). */
  onLockLost(listener: (why: string) => void): () => void;
  /** The stale lock this session took over (`--force-unlock`), if it did. */
  tookOver?: LockInfo;
  /** Commands of killed runs of the environment found still running, and how they were stopped. */
  orphans: OrphanStop[];
  /** The deploy lock held on the fleet's first host in use (host-lock.ts), if the plan has one. */
  hostLock?: HostLock;
  /** `host web-1: <holder>` when `--force-unlock` took the host lock over from a dead holder. */
  hostTookOver?: string;
  /**
   * Why the lock on the fleet's first host could not be taken (unreachable, unknown host key):
   * a deployment fails phase 1 with it (the host is named); down and rollback go on without it,
   * so a dead first host never keeps the operator from stopping or rolling back the others.
   */
  hostLockProblem?: { host: string; error: string };
  /** Records how the run ended (with the release it recorded, if any) and releases the lock. */
  close(outcome: Outcome | undefined, status?: DeploymentStatus, release?: string): Promise<void>;
  /** The synchronous last resort on process exit: marks it interrupted, releases the lock. */
  closeSync(): void;
  /**
   * The driver takes over SIGINT/SIGTERM: the session stops catching them and returns how many
   * arrived since the lock was requested (the driver replays them as interruptions).
   */
  takeSignals(): number;
}

/**
 * From the moment the lock is requested until the session is closed, any exit of the process
 * (a crash included) releases the lock, and SIGINT/SIGTERM are counted instead of killing the
 * process with the lock held; the driver replays them once the statechart runs.
 */
class ExitGuard {
  signals = 0;
  onExit: () => void;
  private readonly count = (): void => {
    this.signals += 1;
  };
  private readonly exit = (): void => {
    this.onExit();
  };

  constructor(onExit: () => void) {
    this.onExit = onExit;
    process.on('SIGINT', this.count);
    process.on('SIGTERM', this.count);
    process.on('exit', this.exit);
  }

  /** Stops counting signals; returns how many arrived. */
  releaseSignals(): number {
    process.off('SIGINT', this.count);
    process.off('SIGTERM', this.count);
    return this.signals;
  }

  stop(): void {
    this.releaseSignals();
    process.off('exit', this.exit);
  }
}

/** How a session waits for, or takes over, the environment lock. */
export interface LockOptions {
  /** `--lock-wait`: keep trying this long while another deployment holds it. */
  waitMs?: number;
  /** `--force-unlock`: take over a stale lock (its pid is gone on this host); never a live one. */
  forceUnlock?: boolean;
  /** Told once when the lock is held and the session starts waiting for it. */
  onWait?: (holder: LockInfo) => void;
  /** Told when a stale lock was taken over (`forceUnlock`). */
  onTookOver?: (holder: LockInfo) => void;
  /** A resume: the host lock its own killed run left is taken over. */
  resumes?: boolean;
  /** Told when the lock on the fleet's first host was taken over (`forceUnlock`). */
  onHostTookOver?: (host: string, holder: LockInfo, why: string) => void;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The lock record of this process running `command` for deployment `id`. */
function lockInfo(environment: string, deploymentId: string, command: string): LockInfo {
  return {
    environment,
    deploymentId,
    user: operatorName(),
    host: hostname(),
    pid: process.pid,
    startedAt: new Date().toISOString(),
    command,
  };
}

/** The deployment record's status for an outcome. */
export function statusOf(outcome: Outcome): DeploymentStatus {
  switch (outcome.result) {
    case 'succeeded':
    case 'succeeded-with-warnings':
      return 'succeeded';
    default:
      return outcome.result;
  }
}

/** The session over an open journal: `close` and `closeSync` end it, once. */
function sessionOf(
  stateDir: string,
  store: Store,
  environment: string,
  id: string,
  journal: JournalWriter,
  guard: ExitGuard,
  orphans: OrphanStop[],
  tookOver?: LockInfo,
  host: HostPart = {},
): Session {
  let closed = false;
  const lost = new Set<(why: string) => void>();
  const stopWatching = store.onLockLost((why) => {
    if (session.lockLost !== undefined || closed) return;
    session.lockLost = why;
    session.gate.close(why);
    for (const l of lost) l(why);
  });
  const session: Session = {
    id,
    stateDir,
    store,
    environment,
    journal,
    gate: new RunGate(),
    logDir: statePaths.commandLogs(stateDir, id),
    journalPath:
      store.kind === 'directory'
        ? statePaths.journal(stateDir, id)
        : `deployment ${id} in the state database ${store.where}`,
    onLockLost(listener) {
      if (session.lockLost !== undefined) listener(session.lockLost);
      else lost.add(listener);
      return () => lost.delete(listener);
    },
    orphans,
    ...(tookOver === undefined ? {} : { tookOver }),
    ...host,
    async close(outcome, status, release) {
      if (closed) return;
      closed = true;
      const final = status ?? (outcome === undefined ? 'interrupted' : statusOf(outcome));
      try {
        await journal.append({ type: 'run.closed', status: final });
        await journal.close();
        await store.updateMeta(id, {
          status: final,
          finishedAt: new Date().toISOString(),
          ...(outcome === undefined
            ? {}
            : { result: outcome.result, interrupted: outcome.interrupted }),
          ...(release === undefined ? {} : { release }),
        });
      } finally {
        try {
          const left = await host.hostLock?.release();
          // The run's outcome is already reported: this is said after it, on stderr.
          if (left !== undefined) process.stderr.write(`stagecraft: warning: ${left}\n`);
          await store.releaseLock(environment, id);
        } finally {
          stopWatching();
          guard.stop();
        }
      }
    },
    closeSync() {
      if (closed) return;
      closed = true;
      try {
        journal.appendSync({ type: 'run.closed', status: 'interrupted' });
        store.updateMetaSync(id, {
          status: 'interrupted',
          finishedAt: new Date().toISOString(),
        });
      } catch {
        // The lock still goes: a record that cannot be written must not keep the environment locked.
      } finally {
        stopWatching();
        guard.stop();
        store.releaseLockSync(environment, id);
      }
    },
    takeSignals: () => guard.releaseSignals(),
  };
  guard.onExit = () => session.closeSync();
  return session;
}

/** How often a held host lock is tried again while `--lock-wait` lasts (each try is a connect). */
const HOST_LOCK_POLL_MS = 500;

/** What a session knows of the deploy lock on the fleet's first host. */
type HostPart = Pick<Session, 'hostLock' | 'hostTookOver' | 'hostLockProblem'>;

/**
 * Takes the lock on the fleet's first host in use (nothing without hosts). A holder there is the
 * lock-held error (exit 4) naming it; a host that cannot be reached is a `hostLockProblem`.
 */
async function takeHostLock(
  plan: ResolvedPlan,
  info: LockInfo,
  mask: Masker,
  opts: LockOptions,
  interrupted: () => boolean = () => false,
): Promise<HostPart> {
  if (plan.hosts === undefined) return {};
  const { acquireHostLock, hostLockPath } = await import('./host-lock.js');
  const take = () =>
    acquireHostLock(plan, info, {
      forceUnlock: opts.forceUnlock === true,
      resumes: opts.resumes === true,
    });
  let r = await take();
  // `--lock-wait`: a live holder on the host is waited for as long as the local one would be.
  const deadline = Date.now() + (opts.waitMs ?? 0);
  let told = false;
  while (
    r !== undefined &&
    !r.ok &&
    'holder' in r &&
    r.holder !== undefined &&
    !r.stale &&
    Date.now() < deadline &&
    !interrupted()
  ) {
    if (!told) opts.onWait?.(r.holder);
    told = true;
    await pause(Math.min(HOST_LOCK_POLL_MS, Math.max(0, deadline - Date.now())));
    r = await take();
  }
  if (r === undefined) return {};
  if (r.ok) {
    if (r.tookOver === undefined) return { hostLock: r.lock };
    const why =
      r.tookOver.host === hostname()
        ? 'its process is gone'
        : `it was taken on another machine (${r.tookOver.host}), said to be gone`;
    opts.onHostTookOver?.(r.lock.host.name, r.tookOver, why);
    return {
      hostLock: r.lock,
      hostTookOver: `${describeHolder(r.tookOver)}, held on host ${r.lock.host.name} (${why})`,
    };
  }
  if ('error' in r) return { hostLockProblem: { host: r.host.name, error: mask.text(r.error) } };
  const where = `${hostLockPath(plan)} on host ${r.host.name}`;
  if (r.holder === undefined)
    throw new StagecraftError(
      'lock-held',
      mask.text(
        `environment ${plan.environment} is locked on host ${r.host.name}, but ${where} names no holder (damaged or being written): look at it, and remove it with \`rm -r ${where.split(' ')[0]}\` on that host if no deployment is running`,
      ),
    );
  const hint = r.stale
    ? ' Its process is gone: pass --force-unlock to take the lock over.'
    : r.holder.host === hostname()
      ? ' Wait for it to finish.'
      : ` It was taken on another machine (${r.holder.host}) and cannot be checked from here: wait for it, or pass --force-unlock if you are sure it is gone.`;
  throw new StagecraftError(
    'lock-held',
    mask.text(
      `environment ${plan.environment} is locked on host ${r.host.name} (${where.split(' ')[0]}) by ${describeHolder(r.holder)}.${hint}`,
    ),
  );
}

/** Releases the lock of deployment `id`, if it holds it, whatever it throws (exit paths). */
function releaseQuietly(store: Store, environment: string, id: string): void {
  try {
    store.releaseLockSync(environment, id, process.pid);
  } catch {
    // Nothing more can be done on the way out.
  }
}

/** Takes the lock as `opts` allow; on success, `tookOver` names the stale holder replaced. */
async function takeLock(
  store: Store,
  info: LockInfo,
  opts: LockOptions,
  interrupted: () => boolean,
): Promise<LockResult & { tookOver?: LockInfo }> {
  const deadline = Date.now() + (opts.waitMs ?? 0);
  let told = false;
  for (;;) {
    let r: LockResult & { tookOver?: LockInfo } = await store.acquireLock(info);
    if (!r.ok && r.stale && opts.forceUnlock === true) {
      const holder = r.holder;
      r = await store.takeOverLock(info, { deploymentId: holder.deploymentId });
      if (r.ok) return { ok: true, tookOver: holder };
    }
    const left = deadline - Date.now();
    // SIGINT/SIGTERM while waiting for the lock: stop waiting.
    if (r.ok || left <= 0 || interrupted()) return r;
    if (!told) opts.onWait?.(r.holder);
    told = true;
    await pause(Math.min(200, left));
  }
}

/** The error of a held lock: exit 4, naming the holder and what to do. */
function lockHeld(
  environment: string,
  holder: LockInfo,
  stale: boolean,
  mask: Masker,
): StagecraftError {
  const what = stale
    ? ' Its process is gone (stale lock): run `stagecraft unlock` to release it, or pass --force-unlock.'
    : ' Wait for it to finish, or pass --lock-wait DURATION.';
  return new StagecraftError(
    'lock-held',
    mask.text(`environment ${environment} is locked by ${describeHolder(holder)}.${what}`),
  );
}

/** A deployment id as stagecraft makes them (a tag naming anything else names none of its runs). */
const DEPLOYMENT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Finds the one-shot commands that killed runs of `environment` (or only the run `only`) left
 * running — by the tag in their environment naming the deployment — and stops them. A command is
 * proven to be one of them only when its deployment is recorded in the store for `environment`,
 * no process of it lives (the lock is held: no run of the environment does), and it started after
 * that deployment began. One read of /proc when nothing is left, the usual case.
 */
async function stopOrphans(
  store: Store,
  environment: string,
  only?: DeploymentMeta,
): Promise<OrphanStop[]> {
  const found = findOrphanCommands((id) =>
    only === undefined ? DEPLOYMENT_ID.test(id) : id === only.id,
  );
  if (found.length === 0) return [];
  const began = new Map<string, number | undefined>();
  for (const id of new Set(found.map((c) => c.deploymentId))) {
    const meta = only?.id === id ? only : await store.readMeta(id).catch(() => undefined);
    const dead =
      meta !== undefined && meta.environment === environment && effectiveStatus(meta) !== 'running';
    const at = dead ? Date.parse(meta.startedAt) : NaN;
    began.set(id, Number.isNaN(at) ? undefined : at);
  }
  const proven = found.flatMap((c): OrphanCommand[] => {
    const at = began.get(c.deploymentId);
    const mine = at === undefined ? undefined : startedSince(c, at);
    return mine === undefined ? [] : [mine];
  });
  return Promise.all(proven.map((c) => stopOrphanCommand(c)));
}

/** Opens the state dir, takes the environment lock and creates the deployment record. */
export async function openSession(
  plan: ResolvedPlan,
  stateDir: string,
  store: Store,
  command: string,
  mask: Masker,
  lock: LockOptions = {},
): Promise<Session> {
  await ensureStateDir(stateDir);
  const id = newDeploymentId();
  // Masked before it is written: another operator (without our secrets) reads it in "locked by".
  const info = mask.value(lockInfo(plan.environment, id, command));
  const guard = new ExitGuard(() => releaseQuietly(store, plan.environment, id));
  let taken: LockResult & { tookOver?: LockInfo };
  try {
    taken = await takeLock(store, info, lock, () => guard.signals > 0);
  } catch (error) {
    guard.stop();
    releaseQuietly(store, plan.environment, id);
    throw error;
  }
  if (!taken.ok) {
    guard.stop();
    throw lockHeld(plan.environment, taken.holder, taken.stale, mask);
  }
  if (taken.tookOver !== undefined) lock.onTookOver?.(taken.tookOver);
  let host: HostPart = {};
  try {
    host = await takeHostLock(plan, info, mask, lock, () => guard.signals > 0);
  } catch (error) {
    guard.stop();
    await store
      .releaseLock(plan.environment, id)
      .catch(() => releaseQuietly(store, plan.environment, id));
    throw error;
  }
  try {
    // Nothing runs while a command of a killed run of this environment still does.
    const orphans = await stopOrphans(store, plan.environment);
    const meta: DeploymentMeta = {
      id,
      environment: plan.environment,
      project: plan.project,
      startedAt: info.startedAt,
      user: info.user,
      host: info.host,
      pid: info.pid,
      command,
      configHash: plan.configHash,
      machineVersion: MACHINE_VERSION,
      factsVersion: FACTS_VERSION,
      status: 'running',
    };
    const journal = await store.createDeployment(meta, { mask });
    return sessionOf(
      stateDir,
      store,
      plan.environment,
      id,
      journal,
      guard,
      orphans,
      taken.tookOver,
      host,
    );
  } catch (error) {
    // The record could not be created (a full disk, a folder that is a file): free the lock.
    guard.stop();
    await host.hostLock?.release();
    if (host.hostLock !== undefined) await closeSshPool();
    await store
      .releaseLock(plan.environment, id)
      .catch(() => releaseQuietly(store, plan.environment, id));
    throw error;
  }
}

/** Takes over the lock of an interrupted deployment (its owner is dead) and reopens its journal. */
export async function reopenSession(
  stateDir: string,
  store: Store,
  meta: DeploymentMeta,
  command: string,
  mask: Masker,
  plan?: ResolvedPlan,
): Promise<Session> {
  const { id, environment } = meta;
  const info = mask.value(lockInfo(environment, id, command));
  const guard = new ExitGuard(() => releaseQuietly(store, environment, id));
  let lock: LockResult;
  try {
    lock = await store.takeOverLock(info, { deploymentId: id });
  } catch (error) {
    guard.stop();
    throw error;
  }
  if (!lock.ok) {
    guard.stop();
    const mine = lock.holder.deploymentId === id;
    const why = mine
      ? lock.stale
        ? 'its lock changed hands meanwhile; try again'
        : `it is still running (or being resumed) in another process (${describeHolder(lock.holder)})`
      : `the environment is locked by another deployment: ${describeHolder(lock.holder)}`;
    throw new StagecraftError('lock-held', mask.text(`cannot resume ${id}: ${why}`));
  }
  let host: HostPart = {};
  try {
    if (plan !== undefined) host = await takeHostLock(plan, info, mask, { resumes: true });
  } catch (error) {
    guard.stop();
    await store.releaseLock(environment, id).catch(() => releaseQuietly(store, environment, id));
    throw error;
  }
  try {
    // What the killed run was doing may still be running: it is stopped before anything reruns.
    const orphans = await stopOrphans(store, environment, meta);
    const journal = await store.openJournal(id, { mask });
    await store.updateMeta(id, { status: 'running', pid: process.pid, host: info.host }, { mask });
    return sessionOf(stateDir, store, environment, id, journal, guard, orphans, undefined, host);
  } catch (error) {
    guard.stop();
    await host.hostLock?.release();
    if (host.hostLock !== undefined) await closeSshPool();
    await store.releaseLock(environment, id).catch(() => releaseQuietly(store, environment, id));
    throw error;
  }
}
