/**
 * The one effects contract: everything the statecharts ask of the world, as plain async
 * functions that take an `AbortSignal` and return outcomes as values, not exceptions. From it come
 * the named promise actors every machine declares in `setup()` ({@link effectActors}), the
 * placeholders they hold until the runtime binds real adapters ({@link unboundEffects}), the
 * runtime's real and dry-run bindings, and the tests' fakes.
 */
import { fromPromise } from 'xstate';
import type {
  CommandSpec,
  PerformanceSpec,
  ProbeSpec,
  ResolvedPlan,
} from '../config/plan-types.js';
import type {
  Outcome,
  PendingDecision,
  PrerequisiteCheck,
  ProcessFacts,
  ProcessObservation,
} from '../record/facts.js';

/** The result of running one command to completion (or to its deadline, or to cancellation). */
export interface CommandOutcome {
  /** null when killed by a signal. */
  exitCode: number | null;
  signal?: string;
  durationMs: number;
  timedOut: boolean;
  canceled: boolean;
  /** The last lines of combined stdout/stderr, bounded (a few KiB), secrets masked. */
  outputTail: string;
  /** Full output, when a log file was requested. */
  logFile?: string;
  /** Spawn failure (command not found, bad cwd), as text. */
  error?: string;
  /**
   * A remote command whose SSH connection was lost before it ended (keepalive timeout, reset):
   * its outcome is unknown, not failed — it may have finished, or may still be running.
   */
  lost?: boolean;
}

/** The result of exactly one probe attempt. Health policy lives in the health machine. */
export interface ProbeOutcome {
  ok: boolean;
  /** Short human reason: `200 OK`, `503`, `ECONNREFUSED`, `timeout after 2000 ms`. */
  detail: string;
  durationMs: number;
  /** HTTP status, when there was a response. */
  status?: number;
}

/** A long-running service started detached (own process group). */
export type ProcessInfo = ProcessFacts;

/** How a watched process service instance ended. */
export interface ProcessExit {
  pid: number;
  /** null when killed by a signal, or when the status could not be observed. */
  exitCode: number | null;
  signal?: string;
  /** Only a process this stagecraft process started has an observable exit status. */
  statusKnown: boolean;
  ranMs: number;
  logFile: string;
  /** The last lines of its log (secrets masked). */
  tail: string[];
}

/** Input of `watchProcess`: resolves when the instance exits. */
export interface WatchProcessInput {
  service: string;
  /** The instance; absent: the one the process registry records for the service. */
  process?: ProcessInfo;
}

/** Input of `checkPort`: is the port of the service's health check free before it starts? */
export interface CheckPortInput {
  service: string;
  /** The service's health check; only http and tcp checks of this machine have a port to check. */
  probe?: ProbeSpec;
}

/** A program that listens on a port. */
interface PortHolder {
  pid: number;
  command?: string;
}

/** What `checkPort` found. `taken` is false for a port the service's own previous instance holds. */
export interface PortCheck {
  taken: boolean;
  host?: string;
  port?: number;
  holder?: PortHolder;
}

/** Input of `observeProcess`: the observation a process service's verdict is backed by. */
export interface ObserveProcessInput {
  service: string;
  process: ProcessInfo;
  probe?: ProbeSpec;
}

/** What `observeProcess` saw. */
export interface ProcessSeen {
  observed: ProcessObservation;
  /** When it is not alive: how it ended. */
  exit?: ProcessExit;
  /** When another program holds the port: who. */
  holder?: PortHolder;
}

/** A performance baseline measurement. */
export interface PerformanceOutcome {
  ok: boolean;
  p95Ms: number;
  samples: number;
  failures: number;
  detail: string;
}

/** The result of the prerequisite checks (phase 1): every check, failed or not. */
export interface PrerequisiteReport {
  ok: boolean;
  checks: PrerequisiteCheck[];
}

/** Input of a command-running actor. */
export interface RunCommandInput {
  /** Who runs it, for logs: `api.activate`, `prepare.release-dir.cleanup`, `stage.app.verify.smoke`. */
  label: string;
  command: CommandSpec;
  /** Deadline in ms (the command's own `timeoutMs` wins when smaller). */
  timeoutMs: number;
  /** Variables that override the current release's (the previous release's, during rollback). */
  env?: Record<string, string>;
}

/** Input of a probe actor. */
export interface ProbeInput {
  label: string;
  probe: ProbeSpec;
}

/** Input of a performance-measuring actor. */
export interface PerformanceInput {
  label: string;
  performance: PerformanceSpec;
}

/** Input of a process-starting actor. */
export interface StartProcessInput {
  service: string;
  command: CommandSpec;
  /** Variables that override the current release's (the previous release's, on rollback). */
  env?: Record<string, string>;
}

/** Input of a process-stopping actor (stops what stagecraft started for this service). */
export interface StopProcessInput {
  service: string;
}

/** What stopping found. */
export interface StopOutcome {
  stopped: boolean;
  pid?: number;
  /** Registry entries that were not ours to stop (reported, left alone). */
  refused?: string;
}

/** Input of `recordRelease`. */
export interface RecordReleaseInput {
  plan: ResolvedPlan;
  deploymentId: string;
  /** Services skipped after they failed: recorded as skipped, not as part of the release. */
  skipped: string[];
}

/** Everything the statecharts ask of the world. */
/** What a run tells the people and systems watching it while it runs (`notify:`, alerts). */
export type RunNotice =
  | { event: 'started' }
  | { event: 'decision-needed'; decision: PendingDecision }
  /** A service failed during the watch window (`reason` says how; the run acts on its policy). */
  | { event: 'watch-failed'; service: string; reason: string }
  /** The watch asks whether to roll back (`monitoring.onWatchFailure: ask`). */
  | { event: 'watch-asks'; service: string; reason: string }
  /** A watched service failed (`resolved: false`) or passes again (`resolved: true`). */
  | { event: 'watch-alert'; service: string; reason: string; resolved: boolean };

/**
 * What the end of a run reports (metrics pushed, notifications sent, alerts fired or resolved):
 * each part that could not be done is a warning naming it, never a failure of the run.
 */
export interface ReportOutcome {
  warnings: string[];
}

export interface Effects {
  /** Tells who asked (`notify:`, an Alertmanager) that the run started or waits for a decision. */
  notify?(notice: RunNotice): void;
  /** Reports the outcome at the end of a run (see ReportOutcome); never rejects. */
  report?(input: { outcome: Outcome }, signal: AbortSignal): Promise<ReportOutcome>;
  runCommand(input: RunCommandInput, signal: AbortSignal): Promise<CommandOutcome>;
  runProbe(input: ProbeInput, signal: AbortSignal): Promise<ProbeOutcome>;
  measurePerformance(input: PerformanceInput, signal: AbortSignal): Promise<PerformanceOutcome>;
  startProcess(input: StartProcessInput, signal: AbortSignal): Promise<ProcessInfo>;
  stopProcess(input: StopProcessInput, signal: AbortSignal): Promise<StopOutcome>;
  /** Resolves when the process instance exits (never rejects; `signal` ends the watch). */
  watchProcess(input: WatchProcessInput, signal: AbortSignal): Promise<ProcessExit>;
  checkPort(input: CheckPortInput, signal: AbortSignal): Promise<PortCheck>;
  observeProcess(input: ObserveProcessInput, signal: AbortSignal): Promise<ProcessSeen>;
  checkFile(input: { path: string }, signal: AbortSignal): Promise<{ exists: boolean }>;
  checkPrerequisites(
    input: { plan: ResolvedPlan },
    signal: AbortSignal,
  ): Promise<PrerequisiteReport>;
  recordRelease(input: RecordReleaseInput, signal: AbortSignal): Promise<{ release: string }>;
  /**
   * Resolves as soon as the probe could pass: its port started listening (Linux: the kernel's
   * socket table). Never resolves for probes it cannot watch; the health machine's own backoff
   * timer runs alongside.
   */
  watchProbe(input: { probe: ProbeSpec }, signal: AbortSignal): Promise<void>;
}

/** The names of every effect. */
export type EffectName = keyof Effects;

const notBound = (name: EffectName) => (): Promise<never> =>
  Promise.reject(
    new Error(`bug: the ${name} effect is not bound (src/runtime/compose.ts binds it)`),
  );

/** Effects that reject: what every machine holds until the runtime binds real ones. */
const unboundEffects: Effects = {
  runCommand: notBound('runCommand'),
  runProbe: notBound('runProbe'),
  measurePerformance: notBound('measurePerformance'),
  startProcess: notBound('startProcess'),
  stopProcess: notBound('stopProcess'),
  // A watcher that never fires: nothing was started.
  watchProcess: () => new Promise<ProcessExit>(() => undefined),
  checkPort: notBound('checkPort'),
  observeProcess: notBound('observeProcess'),
  checkFile: notBound('checkFile'),
  checkPrerequisites: notBound('checkPrerequisites'),
  recordRelease: notBound('recordRelease'),
  // A watcher that never fires: the health machine's timers alone drive it.
  watchProbe: () => new Promise<void>(() => undefined),
};

/**
 * An effect that begins only once the step that invoked it is over. XState starts the children
 * of an actor's first step (a service's `activating`, the deployment's `validating`) before that
 * step's own entry actions run, so an effect called at once would act (start a process, check
 * prerequisites, say what a dry run would do) before the state it belongs to is recorded: the
 * journal would tell effects and facts out of order. One microtask later the step's facts are
 * recorded; an effect whose state was already left does not begin.
 */
function effect<TOutput, TInput>(run: (input: TInput, signal: AbortSignal) => Promise<TOutput>) {
  return fromPromise<TOutput, TInput>(async ({ input, signal }) => {
    await Promise.resolve();
    signal.throwIfAborted();
    return run(input, signal);
  });
}

/** The effects as named promise actors; leaving the invoking state aborts `signal`. */
export function effectActors(effects: Effects) {
  return {
    runCommand: effect<CommandOutcome, RunCommandInput>((i, s) => effects.runCommand(i, s)),
    runProbe: effect<ProbeOutcome, ProbeInput>((i, s) => effects.runProbe(i, s)),
    measurePerformance: effect<PerformanceOutcome, PerformanceInput>((i, s) =>
      effects.measurePerformance(i, s),
    ),
    startProcess: effect<ProcessInfo, StartProcessInput>((i, s) => effects.startProcess(i, s)),
    stopProcess: effect<StopOutcome, StopProcessInput>((i, s) => effects.stopProcess(i, s)),
    checkFile: effect<{ exists: boolean }, { path: string }>((i, s) => effects.checkFile(i, s)),
    checkPrerequisites: effect<PrerequisiteReport, { plan: ResolvedPlan }>((i, s) =>
      effects.checkPrerequisites(i, s),
    ),
    watchProcess: effect<ProcessExit, WatchProcessInput>((i, s) => effects.watchProcess(i, s)),
    checkPort: effect<PortCheck, CheckPortInput>((i, s) => effects.checkPort(i, s)),
    observeProcess: effect<ProcessSeen, ObserveProcessInput>((i, s) =>
      effects.observeProcess(i, s),
    ),
    recordRelease: effect<{ release: string }, RecordReleaseInput>((i, s) =>
      effects.recordRelease(i, s),
    ),
    watchProbe: effect<void, { probe: ProbeSpec }>((i, s) => effects.watchProbe(i, s)),
    report: effect<ReportOutcome, { outcome: Outcome }>(
      (i, s) => effects.report?.(i, s) ?? Promise.resolve({ warnings: [] }),
    ),
  };
}

/** The placeholder actors the machines declare in `setup()`. */
export const stubActors = effectActors(unboundEffects);

/** True when a command exited 0 within its deadline. */
export function commandSucceeded(out: CommandOutcome): boolean {
  return out.exitCode === 0 && !out.timedOut && !out.canceled && out.error === undefined;
}
