/**
 * `stagecraft watch`: continuous health monitoring of a deployed environment, without deploying.
 * Every service's checks (health, readiness, performance baseline) are probed each
 * `monitoring.watchInterval` by the watch statechart, its failure policy forced to `alert` (it
 * never rolls back: it changes nothing, so it takes no lock), for `--for DURATION` or until
 * SIGINT/SIGTERM (or `q` on the screen). `/metrics` is served while it runs when
 * `monitoring.metrics.listen` is set; a service that fails fires the StagecraftWatchFailed alert
 * and resolves it when it passes again. Its facts go to a record of its own, in memory: nothing
 * is written to the state folder or a journal. Exit 0 when every service is healthy at the end,
 * 1 when one is not, 2 for bad usage or config.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ResolvedPlan } from '../../config/plan-types.js';
import { parseDuration } from '../../config/units.js';
import { usageError } from '../../core/errors.js';
import type { Effects } from '../../machines/effects.js';
import type { WatchedService } from '../../machines/watch/index.js';
import type { Fact, StampedFact } from '../../record/facts.js';
import type { RunRecord } from '../../record/fold.js';
import type { MonitoringRun } from '../../runtime/monitoring.js';
import type { WatchBoard } from '../../ui/watch/board.js';
import type { WatchUi } from '../../ui/watch/render.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { loadPlan } from '../load-plan.js';
import { loadUi } from '../load-ui.js';
import type { CommonOptions } from '../options.js';
import { outputMode } from '../present.js';
import { stateDirFor } from '../state-dir.js';

/** Options of `watch`. */
export interface WatchOptions extends CommonOptions {
  for?: string;
  plain?: boolean;
}

/** The longest window a timer can hold (about 24.8 days): "until interrupted" is this long. */
const MAX_WINDOW_MS = 2_147_483_647;

/** How long the watch runs: `--for`, or until interrupted. */
function windowOf(opts: WatchOptions): number | undefined {
  if (opts.for === undefined) return undefined;
  const ms = parseDuration(opts.for);
  if (ms === undefined || ms <= 0)
    throw usageError(`--for: "${opts.for}" is not a duration above zero (e.g. 30s, 10m, 2h)`);
  if (ms > MAX_WINDOW_MS) throw usageError(`--for: at most 24d (got "${opts.for}")`);
  return ms;
}

/** The services that have something to probe, in activation order. */
function watchedOf(plan: ResolvedPlan, all: WatchedService[]): WatchedService[] {
  const services = all.filter(
    (s) => s.health !== undefined || s.readiness.length > 0 || s.performance !== undefined,
  );
  if (services.length === 0)
    throw usageError(
      `nothing to watch in ${plan.project} → ${plan.environment}: no service has a health probe, readiness probe or performance baseline`,
    );
  return services;
}

/** The service a watch probe's label names (`api.watch`, `api@web-1.watch.performance`). */
function serviceOfLabel(label: string): string {
  return label.replace(/\.watch(\.performance)?$/, '');
}

/** The effects with every probe result also shown on the board (the facts keep only changes). */
function showingProbes(effects: Effects, board: WatchBoard): Effects {
  return {
    ...effects,
    runProbe: async (input, signal) => {
      try {
        const out = await effects.runProbe(input, signal);
        board.probed(serviceOfLabel(input.label), out.ok, out.durationMs);
        return out;
      } catch (error) {
        board.probed(serviceOfLabel(input.label), false, 0);
        throw error;
      }
    },
    measurePerformance: async (input, signal) => {
      try {
        const out = await effects.measurePerformance(input, signal);
        board.probed(serviceOfLabel(input.label), out.ok, out.p95Ms);
        return out;
      } catch (error) {
        board.probed(serviceOfLabel(input.label), false, 0);
        throw error;
      }
    },
  };
}

export async function watchCommand(opts: WatchOptions, io: CliIo): Promise<number> {
  const forMs = windowOf(opts);
  const plan = await loadPlan(opts, io);
  const mode = outputMode(opts, io);
  const [
    { watchedServices, runWatch },
    { realEffects },
    { secretsOf },
    { WatchBoard },
    warm,
    { applyFact, emptyRecord },
    { watchNotices },
  ] = await Promise.all([
    import('../../runtime/watch.js'),
    import('../../runtime/effects/real.js'),
    import('../../runtime/secrets.js'),
    import('../../ui/watch/board.js'),
    import('../../runtime/warm-up.js'),
    import('../../record/fold.js'),
    import('../../runtime/compose.js'),
  ]);
  const services = watchedOf(plan, watchedServices(plan));
  const intervalMs = plan.monitoring?.watchIntervalMs ?? 5000;
  const board = new WatchBoard({
    project: plan.project,
    environment: plan.environment,
    ...(forMs === undefined ? {} : { forMs }),
    intervalMs,
    services: services.map((s) => s.name),
  });
  const { secrets, mask } = secretsOf(plan, io.env);
  const id = `watch-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  // A command probe over SSH logs its output: to a folder of this run's own, removed at the end.
  const logDir = await mkdtemp(join(tmpdir(), 'stagecraft-watch-'));
  warm.warmUp();
  const stopping = new AbortController();
  const stop = (): void => stopping.abort();
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  let ui: WatchUi | undefined;
  try {
    if (mode === 'tty')
      ui = (await loadUi(() => import('../../ui/watch/render.js'))).renderWatch(board, stop);
    // The watch's own record, in memory (never a journal): what its notifications are built from.
    let own: RunRecord = emptyRecord();
    // Metrics, alerts and notifications only when configured (prom-client is loaded only then).
    const monitored = plan.monitoring !== undefined || (plan.notify?.length ?? 0) > 0;
    const m: MonitoringRun | undefined = monitored
      ? (await import('../../runtime/monitoring.js')).monitoringFor(plan, {
          deploymentId: id,
          mask,
          env: io.env,
          record: (fact) => record(fact),
          view: () => own,
        })
      : undefined;
    const record = (fact: Fact): void => {
      const stamped: StampedFact = { ...fact, ts: Date.now() };
      own = applyFact(own, stamped);
      board.observe(stamped);
      m?.observe(stamped);
    };
    const lines =
      mode === 'tty'
        ? undefined
        : (await import('../../ui/watch/lines.js')).watchLines(board, mode, io.stdout);
    const effects = showingProbes(
      realEffects({
        plan,
        deploymentId: id,
        stateDir: stateDirFor(plan, io.cwd, opts.stateDir),
        secrets,
        mask,
        operatorEnv: io.env,
        logDir,
      }),
      board,
    );
    await runWatch({
      services,
      spec: {
        watchMs: forMs ?? MAX_WINDOW_MS,
        onWatchFailure: 'alert',
        watchIntervalMs: intervalMs,
      },
      effects,
      record,
      signal: stopping.signal,
      // Under `alert` a service that trips is told as `watch-failed` and the watch goes on.
      ...watchNotices((n) => m?.notify(n)),
    });
    // What is still being sent (an alert resolved at the end) is waited for; what failed is said.
    const warnings = (await m?.settle()) ?? [];
    await ui?.finish();
    lines?.end();
    for (const w of warnings) io.stderr.write(`stagecraft: warning: ${w}\n`);
    return board.allHealthy() ? EXIT.ok : EXIT.failed;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await ui?.close();
    await warm.coolDown();
    await rm(logDir, { recursive: true, force: true });
  }
}
