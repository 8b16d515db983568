/**
 * A complete fake of the one effects contract (src/machines/effects.ts) for machine tests:
 * scripted answers per label (or service) and attempt, effects the test holds and releases, a
 * switch that makes probes fail, and a log of every call. No I/O; the real machines run on it,
 * bound exactly as src/runtime/compose.ts binds them.
 */
import type {
  CommandOutcome,
  Effects,
  PerformanceOutcome,
  PortCheck,
  PrerequisiteReport,
  ProbeOutcome,
  ProcessExit,
  ProcessInfo,
  ProcessSeen,
  ReportOutcome,
  RunNotice,
  StopOutcome,
} from '../../src/machines/effects.js';

/** One scripted answer: a value, an error (the effect rejects) or `hold` (the test releases it). */
export type Answer<T> = T | Error | 'hold';

/** Answers per key, one per call in order; the last one repeats. */
type Script<T> = Record<string, Array<Answer<T>>>;

/** What the fake effects answer; anything not scripted succeeds. */
export interface FakeScript {
  /** By command label (`api.activate`, `prepare.dir`, `prepare.dir.cleanup`, `db.stop`). */
  commands?: Script<CommandOutcome>;
  /** By probe label; `true`/`false` stand for a passing/failing outcome. */
  probes?: Script<ProbeOutcome | boolean>;
  /** By performance label (`api.performance`, `readiness.p95`). */
  performance?: Script<PerformanceOutcome>;
  /** By service. */
  starts?: Script<ProcessInfo>;
  /** By service. */
  stops?: Script<StopOutcome>;
  /** By service: when (and how) its process exits. Default: never. */
  exits?: Script<ProcessExit>;
  /** By service: the port check before its start. Default: free. */
  ports?: Script<PortCheck>;
  /** By service: what is seen of its process at its verdict. Default: alive. */
  observations?: Script<ProcessSeen>;
  /** By probe label: when the port watcher fires. Default: never. */
  watches?: Script<true>;
  /** Paths that exist (checkFile). */
  files?: string[];
  prerequisites?: Answer<PrerequisiteReport>;
  release?: Answer<{ release: string }>;
  /** What reporting the outcome at the end gives (default: no warnings). */
  report?: Answer<ReportOutcome>;
}

/** One call of an effect, keyed as in the log (`run:api.activate`, `probe:<label>`, ...). */
export interface Call {
  key: string;
  input: unknown;
  at: number;
  signal: AbortSignal;
}

interface Hold {
  key: string;
  signal: AbortSignal;
  settle: (value: unknown) => void;
  fail: (error: Error) => void;
  fallback: () => unknown;
}

/** A command outcome with the given exit code. */
export const exited = (exitCode: number, outputTail = ''): CommandOutcome => ({
  exitCode,
  durationMs: 5,
  timedOut: false,
  canceled: false,
  outputTail,
});

/** A probe outcome. */
export const probed = (
  ok: boolean,
  detail = ok ? '200 OK' : '503 (expected 200)',
): ProbeOutcome => ({
  ok,
  detail,
  durationMs: 3,
});

/** A performance outcome. */
export const measured = (ok: boolean, p95Ms = ok ? 50 : 450): PerformanceOutcome => ({
  ok,
  p95Ms,
  samples: 5,
  failures: 0,
  detail: `p95 ${p95Ms} ms`,
});

/** The fake effects of one test. */
export class FakeEffects {
  /** Every call, in order. */
  readonly calls: Call[] = [];
  /** What the run told `notify` (started, decision-needed), in order. */
  readonly notices: RunNotice[] = [];
  /** Probe labels that fail now, whatever the script says (`ECONNREFUSED`). */
  readonly failing = new Set<string>();
  private readonly holds: Hold[] = [];
  private readonly counts = new Map<string, number>();
  private readonly waiters: Array<{ key: string; times: number; resolve: () => void }> = [];
  private pid = 4000;
  readonly effects: Effects;

  constructor(readonly script: FakeScript = {}) {
    const s = script;
    this.effects = {
      runCommand: (input, signal) =>
        this.answer(`run:${input.label}`, input, signal, s.commands?.[input.label], () =>
          exited(0),
        ),
      runProbe: (input, signal) => {
        if (this.failing.has(input.label))
          return this.answer(`probe:${input.label}`, input, signal, [
            probed(false, 'ECONNREFUSED'),
          ]);
        return this.answer<ProbeOutcome | boolean>(
          `probe:${input.label}`,
          input,
          signal,
          s.probes?.[input.label],
          () => probed(true),
        ).then((o) => (typeof o === 'boolean' ? probed(o) : o));
      },
      measurePerformance: (input, signal) =>
        this.answer(`performance:${input.label}`, input, signal, s.performance?.[input.label], () =>
          measured(true),
        ),
      startProcess: (input, signal) =>
        this.answer(`start:${input.service}`, input, signal, s.starts?.[input.service], () => ({
          pid: (this.pid += 1),
          logFile: `/tmp/logs/${input.service}.log`,
          startedAt: Date.now(),
        })),
      stopProcess: (input, signal) =>
        this.answer(`stop:${input.service}`, input, signal, s.stops?.[input.service], () => ({
          stopped: true,
          pid: 4001,
        })),
      watchProcess: (input, signal) =>
        this.answer(
          `exit:${input.service}`,
          input,
          signal,
          s.exits?.[input.service],
          () => 'never',
        ),
      checkPort: (input, signal) =>
        this.answer(`port:${input.service}`, input, signal, s.ports?.[input.service], () => ({
          taken: false,
        })),
      observeProcess: (input, signal) =>
        this.answer(
          `observe:${input.service}`,
          input,
          signal,
          s.observations?.[input.service],
          () => ({ observed: { pid: input.process.pid, alive: true } }),
        ),
      checkFile: (input, signal) =>
        this.answer(`file:${input.path}`, input, signal, undefined, () => ({
          exists: s.files?.includes(input.path) ?? false,
        })),
      checkPrerequisites: (input, signal) =>
        this.answer(
          'prerequisites',
          input,
          signal,
          s.prerequisites === undefined ? undefined : [s.prerequisites],
          () => ({ ok: true, checks: [] }),
        ),
      recordRelease: (input, signal) =>
        this.answer(
          `release:${input.deploymentId}`,
          input,
          signal,
          s.release === undefined ? undefined : [s.release],
          () => ({ release: 'r2' }),
        ),
      notify: (notice) => {
        this.notices.push(notice);
      },
      report: (input, signal) =>
        this.answer(
          'report',
          input,
          signal,
          s.report === undefined ? undefined : [s.report],
          () => ({ warnings: [] }),
        ),
      watchProbe: (input, signal) =>
        this.answer<true>(
          `watch:${input.probe.label}`,
          input,
          signal,
          s.watches?.[input.probe.label],
          () => 'never',
        ).then(() => undefined),
    };
  }

  /** The keys of every call, in order (`run:api.activate`, `probe:db-probe`, `start:db` ...). */
  log(filter?: RegExp): string[] {
    const keys = this.calls.map((c) => c.key);
    return filter === undefined ? keys : keys.filter((k) => filter.test(k));
  }

  /** How many times `key` was called. */
  count(key: string): number {
    return this.counts.get(key) ?? 0;
  }

  /** The inputs of every call of `key`. */
  inputs(key: string): unknown[] {
    return this.calls.filter((c) => c.key === key).map((c) => c.input);
  }

  /** Whether a held call of `key` is waiting. */
  holding(key: string): boolean {
    return this.holds.some((h) => h.key === key);
  }

  /** The abort signal of the oldest held call of `key`. */
  heldSignal(key: string): AbortSignal | undefined {
    return this.holds.find((h) => h.key === key)?.signal;
  }

  /** Settles the oldest held call of `key` with `value` (default: success); throws if none. */
  release(key: string, value?: unknown): void {
    const i = this.holds.findIndex((h) => h.key === key);
    const hold = this.holds[i];
    if (hold === undefined) throw new Error(`no held call of ${key}`);
    this.holds.splice(i, 1);
    if (value instanceof Error) hold.fail(value);
    else hold.settle(value ?? hold.fallback());
  }

  /** Resolves once `key` has been called `times` times in all. */
  called(key: string, times = 1): Promise<void> {
    if (this.count(key) >= times) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ key, times, resolve }));
  }

  private answer<T>(
    key: string,
    input: unknown,
    signal: AbortSignal,
    script: Array<Answer<T>> | undefined,
    fallback: () => T | 'never' = () => 'never',
  ): Promise<T> {
    const n = this.count(key);
    this.counts.set(key, n + 1);
    this.calls.push({ key, input, at: Date.now(), signal });
    for (const w of this.waiters.filter((x) => x.key === key && x.times <= n + 1)) {
      this.waiters.splice(this.waiters.indexOf(w), 1);
      w.resolve();
    }
    const step =
      script === undefined || script.length === 0
        ? fallback()
        : (script[Math.min(n, script.length - 1)] as Answer<T>);
    if (step instanceof Error) return Promise.reject(step);
    if (step === 'never') return new Promise<T>(() => undefined);
    if (step === 'hold')
      return new Promise<T>((resolve, reject) => {
        this.holds.push({
          key,
          signal,
          settle: (v) => resolve(v as T),
          fail: reject,
          fallback: () => {
            const f = fallback();
            return f === 'never' ? undefined : f;
          },
        });
      });
    return Promise.resolve(step);
  }
}

/** Effects that never settle: the model-based tests drive the machines by events alone. */
export const inertEffects: Effects = {
  runCommand: () => new Promise(() => undefined),
  runProbe: () => new Promise(() => undefined),
  measurePerformance: () => new Promise(() => undefined),
  startProcess: () => new Promise(() => undefined),
  stopProcess: () => new Promise(() => undefined),
  watchProcess: () => new Promise(() => undefined),
  checkPort: () => new Promise(() => undefined),
  observeProcess: () => new Promise(() => undefined),
  checkFile: () => new Promise(() => undefined),
  checkPrerequisites: () => new Promise(() => undefined),
  recordRelease: () => new Promise(() => undefined),
  watchProbe: () => new Promise(() => undefined),
};
