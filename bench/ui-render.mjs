// `npm run bench` (after bench/run.mjs): CPU cost of the Ink deployment view under load.
// The built renderDeployment (dist/) is mounted on a fake UiActor holding 500 services and a fake
// TTY stdout (a Writable with columns=120, rows=40, isTTY=true: nothing is printed), then receives
// 20,000 snapshot notifications (a new health attempt each) over about 5 s. Reported: the
// orchestrator's CPU time (process.cpuUsage, user+system) against wall time, frames written to
// the terminal and view selections (renders), with the UI's throttle (frameMs 33: at most ~30
// frames/s) and without it (frameMs 0), next to the producer alone (no UI). Prints markdown.
import { Writable, Readable } from 'node:stream';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { clearInterval, setInterval } from 'node:timers';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

delete process.env.CI; // Ink prints only the last frame in CI; measure a real terminal's work
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { renderDeployment } = await import(
  pathToFileURL(join(root, 'dist', 'ui', 'render.js')).href
);

const SERVICES = Number(process.env.BENCH_UI_SERVICES ?? 500);
const NOTIFICATIONS = Number(process.env.BENCH_UI_NOTIFICATIONS ?? 20_000);
const DURATION_MS = Number(process.env.BENCH_UI_MS ?? 5000);

/** A deployment snapshot shaped like the machine's (selectView reads only these fields). */
function initialContext() {
  const names = Array.from({ length: SERVICES }, (_, i) => `service-${String(i).padStart(3, '0')}`);
  const now = Date.now();
  const services = {};
  for (const name of names)
    services[name] = {
      name,
      stage: 'app',
      kind: 'process',
      state: 'checking',
      attempt: 1,
      maxAttempts: 1,
      startedAt: now,
    };
  return {
    deploymentId: 'dep-bench',
    startedAt: now,
    plan: { project: 'bench', environment: 'load', activationOrder: names },
    services,
    stages: [{ name: 'app', status: 'running', startedAt: now, services: names }],
    pendingDecision: undefined,
    warnings: [],
    result: undefined,
  };
}

/** A fake root actor: each `probe()` replaces one service's latest health attempt. */
class BenchActor {
  snapshot = { status: 'active', value: 'activating', context: initialContext() };
  observers = new Set();
  getSnapshotCalls = 0;
  getSnapshot() {
    this.getSnapshotCalls += 1;
    return this.snapshot;
  }
  subscribe(o) {
    this.observers.add(o);
    return { unsubscribe: () => this.observers.delete(o) };
  }
  send() {}
  probe(i) {
    const c = this.snapshot.context;
    const name = c.plan.activationOrder[i % SERVICES];
    const row = c.services[name];
    const attempt = (row.lastProbe?.attempt ?? 0) + 1;
    const lastProbe = {
      probe: 'http',
      attempt,
      of: 30,
      ok: attempt % 7 !== 0,
      detail: attempt % 7 === 0 ? '503' : '200',
      durationMs: 3 + (i % 11),
    };
    // A new row and a new snapshot (the UI compares snapshots by identity); the record is updated
    // in place so that the producer's own cost stays small and the UI's cost stands out.
    c.services[name] = { ...row, lastProbe };
    this.snapshot = { ...this.snapshot, context: { ...c } };
    for (const o of this.observers) o.next?.(this.snapshot);
  }
}

/** A TTY-looking sink that counts what Ink writes. */
function fakeTty() {
  const out = new Writable({
    write: (chunk, _enc, done) => ((out.frames += 1), (out.bytes += chunk.length), done()),
  });
  Object.assign(out, { columns: 120, rows: 40, isTTY: true, frames: 0, bytes: 0 });
  return out;
}

function fakeStdin() {
  const input = new Readable({ read() {} });
  Object.assign(input, {
    isTTY: true,
    setRawMode: () => input,
    ref: () => input,
    unref: () => input,
  });
  return input;
}

/** Streams NOTIFICATIONS evenly over DURATION_MS: each 1 ms tick sends what is due by then. */
function stream(actor) {
  const t0 = performance.now();
  let sent = 0;
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      const due = Math.min(
        NOTIFICATIONS,
        Math.ceil((NOTIFICATIONS * (performance.now() - t0)) / DURATION_MS),
      );
      while (sent < due) actor.probe(sent++);
      if (sent >= NOTIFICATIONS) {
        clearInterval(timer);
        resolve();
      }
    }, 1);
  });
}

async function measure(label, frameMs) {
  const actor = new BenchActor();
  const stdout = fakeTty();
  const ui =
    frameMs === undefined
      ? undefined
      : renderDeployment(actor, {
          stdout,
          stdin: fakeStdin(),
          stderr: fakeTty(),
          frameMs,
          colors: true,
        });
  await new Promise((r) => setTimeout(r, 200)); // first frame, timers settle
  const selectionsBefore = actor.getSnapshotCalls;
  const framesBefore = stdout.frames;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await stream(actor);
  await new Promise((r) => setTimeout(r, 100)); // let the last frame be written
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const frames = stdout.frames - framesBefore;
  const selections = actor.getSnapshotCalls - selectionsBefore;
  ui?.unmount();
  await ui?.waitUntilExit();
  const cpuMs = (cpu.user + cpu.system) / 1000;
  return { label, wall, cpuMs, frames, selections };
}

// Each run in a fresh process (same JIT and heap for all), with its own NODE_ENV.
const [, , flag, arg] = process.argv;
if (flag === '--one') {
  const frameMs = arg === 'none' ? undefined : Number(arg);
  const r = await measure(arg, frameMs);
  process.stdout.write(`${JSON.stringify(r)}\n`);
  process.exit(0);
}

const { spawnSync } = await import('node:child_process');
const self = fileURLToPath(import.meta.url);
function runOne(label, frameMs, nodeEnv) {
  const env = { ...process.env };
  if (nodeEnv === undefined) delete env.NODE_ENV;
  else env.NODE_ENV = nodeEnv;
  const r = spawnSync(process.execPath, [self, '--one', String(frameMs)], {
    env,
    encoding: 'utf8',
  });
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
  if (line === undefined) throw new Error(`bench run "${label}" failed:\n${r.stderr}`);
  return { ...JSON.parse(line), label };
}
const runs = [
  ['producer only (no UI)', 'none', 'production'],
  ['Ink UI, throttled (frameMs 33), NODE_ENV=production', 33, 'production'],
  ['Ink UI, throttled (frameMs 33), NODE_ENV unset (bin today: React dev build)', 33, undefined],
  ['Ink UI, unthrottled (frameMs 0), NODE_ENV=production', 0, 'production'],
];
const rows = runs
  .filter(([, ms]) => ms !== 0 || process.env.BENCH_UI_UNTHROTTLED !== '0')
  .map(([label, ms, nodeEnv]) => runOne(label, ms, nodeEnv));

const out = [
  `\nInk deployment view: ${SERVICES} services, ${NOTIFICATIONS.toLocaleString('en')} snapshot notifications over ~${DURATION_MS / 1000} s (${cpus()[0]?.model ?? 'cpu'}, ${cpus().length} cores, Node ${process.version})\n`,
  '| run | wall | CPU time | CPU % of one core | frames written | view selections |',
  '|---|---:|---:|---:|---:|---:|',
  ...rows.map(
    (r) =>
      `| ${r.label} | ${(r.wall / 1000).toFixed(2)} s | ${Math.round(r.cpuMs)} ms | ${((100 * r.cpuMs) / r.wall).toFixed(1)} % | ${r.frames} | ${r.selections} |`,
  ),
  '',
  'The producer catches up on late timer ticks, so the notifications span about the same wall time in every run; CPU % is CPU time over wall time (100 % = one core).',
];
process.stdout.write(`${out.join('\n')}\n`);
