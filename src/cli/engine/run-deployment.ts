/**
 * Runs one deployment statechart to its end: opens the session (lock, journal), starts the
 * composed machine, journals every event of every actor, feeds the reporter or the Ink UI, maps
 * SIGINT/SIGTERM to interruption events, and closes the session on every exit path.
 */
import { createActor, type Actor } from 'xstate';
import type { ResolvedPlan } from '../../config/plan-types.js';
import { killTrackedGroups } from '../../adapters/proc.js';
import { readSecrets } from '../../adapters/env.js';
import { Masker } from '../../core/mask.js';
import { describeHolder } from '../../state/locks.js';
import { writeSnapshot } from '../../state/meta.js';
import type { DeploymentOutput, DecisionRecord, DeploymentView } from '../../machines/selectors.js';
import { selectView } from '../../machines/selectors.js';
import type {
  DeploymentInput,
  PreviousRelease,
  ResumeDeadlines,
} from '../../machines/deployment-context.js';
import { composeDeployment, realEffects, type Effects } from '../compose.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { startReporter, type ReportSource } from '../reporters/reporter.js';
import { MACHINE_VERSION, openSession, operatorName, type Session } from './session.js';
import { journalInspector } from './journal-inspector.js';
import { previousState } from './previous.js';
import { loadUi } from '../load-ui.js';

/** How the deployment is shown and decided. */
export interface RunOptions {
  plan: ResolvedPlan;
  stateDir: string;
  io: CliIo;
  /** 'tty' renders the Ink UI; 'plain' lines; 'json' NDJSON. */
  output: 'tty' | 'plain' | 'json';
  interactive: boolean;
  step: boolean;
  colour: boolean;
  lockWaitMs: number;
  /** `--force-unlock`: take over a stale lock (dead pid on this host); a live holder still wins. */
  forceUnlock?: boolean;
  command: string;
  /** Replaces the real effects (dry-run). */
  effects?: (session: { logDir: string; id: string }) => Effects;
  /** Dry run: no lock, no journal, nothing written. */
  dryRun?: boolean;
  /** `resume`: continue an existing deployment (session already open, lock taken over). */
  resume?: ResumeHook;
}

/** How `resume` continues a deployment: its reopened session, its original `previous`, and
 * effects that skip what was already done before the crash (src/cli/engine/resume-effects.ts). */
export interface ResumeHook {
  session: Session;
  previous: PreviousRelease | undefined;
  wrapEffects(effects: Effects): Effects;
  /** The interrupted deployment's absolute deadlines, re-armed as they were. */
  deadlines?: ResumeDeadlines;
}

type DeploymentActor = Actor<ReturnType<typeof composeDeployment>>;

const statusOf = (out: DeploymentOutput, interrupted: boolean) =>
  interrupted
    ? ('interrupted' as const)
    : out.result === 'succeeded-with-warnings'
      ? ('succeeded' as const)
      : out.result;

/** Runs the deployment and returns the exit code. */
export async function runDeployment(opts: RunOptions): Promise<number> {
  const { plan, io } = opts;
  const secrets = readSecrets(plan.secretNames, io.env).values;
  const masker = new Masker(Object.values(secrets));
  const redact = (t: string): string => masker.text(t);

  const session =
    opts.resume?.session ??
    (opts.dryRun === true
      ? undefined
      : await openSession(plan, opts.stateDir, opts.command, masker, {
          waitMs: opts.lockWaitMs,
          forceUnlock: opts.forceUnlock === true,
          onWait: (holder) =>
            io.stderr.write(
              `stagecraft: environment ${plan.environment} is locked by ${describeHolder(holder)}; waiting up to ${Math.round(opts.lockWaitMs / 1000)} s (--lock-wait)\n`,
            ),
        }));
  if (session !== undefined && 'locked' in session) {
    io.stderr.write(`stagecraft: ${session.message}\n`);
    return session.exitCode;
  }
  if (session?.tookOver !== undefined)
    io.stderr.write(
      `stagecraft: took over the stale lock of ${describeHolder(session.tookOver)} (its process is gone; --force-unlock)\n`,
    );
  const id = session?.id ?? 'dry-run';
  const logDir = session?.logDir ?? '/dev/null';
  const baseEffects =
    opts.effects?.({ logDir, id }) ??
    realEffects({
      plan,
      deploymentId: id,
      stateDir: opts.stateDir,
      secrets,
      operatorEnv: io.env,
      logDir,
    });
  const effects = opts.resume?.wrapEffects(baseEffects) ?? baseEffects;
  const previous: PreviousRelease | undefined = opts.resume
    ? opts.resume.previous
    : opts.dryRun === true
      ? undefined
      : await previousState(plan, opts.stateDir);
  const input: DeploymentInput = {
    plan,
    deploymentId: id,
    interactive: opts.interactive,
    step: opts.step,
    ...(previous === undefined ? {} : { previous }),
    ...(opts.resume?.deadlines === undefined ? {} : { resume: opts.resume.deadlines }),
  };
  const logic = composeDeployment(effects);
  const inspector = session === undefined ? undefined : journalInspector(session.journal);
  const actor: DeploymentActor = createActor(logic, {
    input,
    ...(inspector === undefined ? {} : { inspect: inspector }),
  });
  return drive(actor, session, opts, redact, masker);
}

async function drive(
  actor: DeploymentActor,
  session: Session | undefined,
  opts: RunOptions,
  redact: (t: string) => string,
  masker: Masker,
): Promise<number> {
  let interrupts = 0;
  const onSignal = (): void => {
    interrupts += 1;
    if (interrupts >= 3) {
      killTrackedGroups();
      session?.closeSync('interrupted');
      process.exit(EXIT.interrupted);
    }
    actor.send({ type: 'deployment.interrupt' });
  };
  const onExit = (): void => {
    killTrackedGroups();
    session?.closeSync('interrupted');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', onExit);

  const source = journaledSource(actor, session, masker);
  const done = new Promise<DeploymentOutput>((resolve, reject) => {
    actor.subscribe({
      complete: () => resolve(actor.getSnapshot().output as DeploymentOutput),
      error: reject,
    });
  });
  const ui = await mount(actor, source, session, opts, redact);
  actor.start();
  try {
    const out = await done;
    await source.settled();
    await ui.finish();
    const code = out.exitCode;
    const release = actor.getSnapshot().context.release;
    await session?.close(
      statusOf(out, interrupts > 0 && code === EXIT.interrupted),
      out.result,
      code,
      release === undefined ? {} : { release },
    );
    return code;
  } catch (err) {
    await ui.finish();
    const message = err instanceof Error ? err.message : String(err);
    opts.io.stderr.write(
      `stagecraft: internal error (this is a bug, please report it): ${redact(message)}\n`,
    );
    await session?.close('failed', 'bug', EXIT.manual);
    return EXIT.manual;
  } finally {
    killTrackedGroups();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', onExit);
  }
}

/** A report source whose listeners hear of a change only after it is journaled (fsync'd). */
function journaledSource(
  actor: DeploymentActor,
  session: Session | undefined,
  masker: Masker,
): ReportSource & { settled(): Promise<void> } {
  const listeners = new Set<() => void>();
  let chain: Promise<void> = Promise.resolve();
  // Listeners run after the journal append, when the actor may have moved on: they read the
  // view as it was at this change, so a passing state (unhealthy → rolling back) is not lost.
  let published: { view: DeploymentView; decisions: readonly DecisionRecord[] } | undefined;
  let snapshotTimer: NodeJS.Timeout | undefined;
  const persist = async (): Promise<void> => {
    if (session === undefined) return;
    await writeSnapshot(
      session.stateDir,
      session.id,
      {
        machineVersion: MACHINE_VERSION,
        configHash: actor.getSnapshot().context.plan.configHash,
        savedAt: new Date().toISOString(),
        snapshot: actor.getPersistedSnapshot(),
      },
      { mask: masker },
    );
  };
  actor.subscribe(() => {
    const view = selectView(actor.getSnapshot());
    const decisions = actor.getSnapshot().context.decisions;
    chain = chain
      .then(async () => {
        await session?.journal.append({
          type: 'view',
          phase: view.phase,
          result: view.result ?? null,
        });
        published = { view, decisions };
        for (const l of listeners) l();
      })
      .catch(() => undefined);
    if (snapshotTimer === undefined && session !== undefined) {
      snapshotTimer = setTimeout(() => {
        snapshotTimer = undefined;
        chain = chain.then(persist).catch(() => undefined);
      }, 100);
    }
  });
  return {
    view: () => published?.view ?? selectView(actor.getSnapshot()),
    decisions: (): readonly DecisionRecord[] =>
      published?.decisions ?? actor.getSnapshot().context.decisions,
    subscribe(listener) {
      listeners.add(listener);
      return { unsubscribe: () => listeners.delete(listener) };
    },
    async settled() {
      if (snapshotTimer !== undefined) clearTimeout(snapshotTimer);
      snapshotTimer = undefined;
      await chain;
      await persist().catch(() => undefined);
    },
  };
}

interface Mounted {
  finish(): Promise<void>;
}

async function mount(
  actor: DeploymentActor,
  source: ReportSource,
  session: Session | undefined,
  opts: RunOptions,
  redact: (t: string) => string,
): Promise<Mounted> {
  if (opts.output === 'tty') {
    const { renderDeployment } = await loadUi(() => import('../../ui/render.js'));
    const { tailOfLog } = await import('./log-tail.js');
    const ui = renderDeployment(actor, {
      by: operatorName(),
      ...(session === undefined
        ? {}
        : {
            logDir: session.logDir,
            journalPath: session.journalPath,
            logTail: (service: string) =>
              tailOfLog(opts.stateDir, opts.plan.environment, session.logDir, service).map(redact),
          }),
    });
    return {
      finish: async () => {
        await new Promise((r) => setTimeout(r, 50));
        ui.unmount();
        await ui.waitUntilExit().catch(() => undefined);
      },
    };
  }
  const { tailOfLog } = await import('./log-tail.js');
  const reporter = startReporter(source, {
    write: (t) => opts.io.stdout.write(t),
    format: opts.output,
    colour: opts.colour,
    redact,
    ...(session === undefined
      ? {}
      : {
          logTail: (service: string) =>
            tailOfLog(opts.stateDir, opts.plan.environment, session.logDir, service, 5),
        }),
  });
  return { finish: () => Promise.resolve(reporter.stop()) };
}
