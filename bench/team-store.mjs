// `npm run bench` (part): the team store (PostgreSQL) against the state directory, in the same
// run. (1) Journal throughput: facts appended the way the driver appends them (each durable
// before it is reported, many in flight), and one at a time (latency). (2) The added wall time
// of a 100-service deployment of the built CLI with the PostgreSQL store over the state
// directory (goal: at most 5 % added). A throwaway cluster is made with Debian's PostgreSQL
// (initdb in a temporary folder, a free port on 127.0.0.1); without it the bench says so.
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
  chownSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'stagecraft.js');
const RUNS = Number(process.env.BENCH_TEAM_RUNS ?? 5);
const FACTS = Number(process.env.BENCH_TEAM_FACTS ?? 5000);
const SERVICES = Number(process.env.BENCH_TEAM_SERVICES ?? 100);

function pgBin(name) {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const majors = readdirSync(base).filter((d) => existsSync(join(base, d, 'bin', name)));
  majors.sort((a, b) => Number(b) - Number(a));
  return majors[0] === undefined ? undefined : join(base, majors[0], 'bin', name);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function sh(cmd, args, asPostgres) {
  const full =
    asPostgres && process.getuid?.() === 0
      ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]]
      : [cmd, args];
  const r = spawnSync(full[0], full[1], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr || r.stdout}`);
  return r.stdout;
}

async function startCluster() {
  const initdb = pgBin('initdb');
  const pgCtl = pgBin('pg_ctl');
  const psql = pgBin('psql') ?? 'psql';
  if (initdb === undefined || pgCtl === undefined) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'sc-bench-pg-'));
  const root = process.getuid?.() === 0;
  if (root)
    chownSync(
      dir,
      Number(sh('id', ['-u', 'postgres']).trim()),
      Number(sh('id', ['-g', 'postgres']).trim()),
    );
  const data = join(dir, 'data');
  sh(
    initdb,
    [
      '-D',
      data,
      '-U',
      'postgres',
      '-E',
      'UTF8',
      '--locale=C.UTF-8',
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
    ],
    true,
  );
  const port = await freePort();
  sh(
    pgCtl,
    [
      '-D',
      data,
      '-l',
      join(dir, 'server.log'),
      '-w',
      '-t',
      '20',
      '-o',
      `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir}`,
      'start',
    ],
    true,
  );
  const password = `bench-${process.pid}`;
  sh(
    psql,
    [
      '-h',
      dir,
      '-p',
      String(port),
      '-U',
      'postgres',
      '-q',
      '-c',
      `CREATE ROLE stagecraft LOGIN PASSWORD '${password}'`,
      '-c',
      'CREATE DATABASE stagecraft OWNER stagecraft',
    ],
    true,
  );
  return {
    url: `postgresql://stagecraft:${password}@127.0.0.1:${port}/stagecraft`,
    stop() {
      try {
        sh(pgCtl, ['-D', data, '-m', 'immediate', 'stop'], true);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const dist = (p) => import(pathToFileURL(join(root, 'dist', p)).href);

function fact(i) {
  return {
    type: i % 10 === 0 ? 'phase' : 'service.state',
    service: `s${i % 100}`,
    state: 'activating',
    attempt: 1,
    note: 'x'.repeat(120),
  };
}

/** Facts/s with every append in flight at once (as the driver does), and p50 of awaited ones. */
async function journalFigures(open) {
  const j = await open('burst');
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: FACTS }, (_, i) => j.append(fact(i))));
  const burstMs = Number(process.hrtime.bigint() - t0) / 1e6;
  await j.close();
  const k = await open('one');
  const lat = [];
  for (let i = 0; i < 300; i++) {
    const t = process.hrtime.bigint();
    await k.append(fact(i));
    lat.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  await k.close();
  return { perSecond: Math.round(FACTS / (burstMs / 1000)), p50Ms: median(lat) };
}

function generate(n) {
  const dir = mkdtempSync(join(tmpdir(), 'sc-bench-team-'));
  const lines = [`name: bench-team`, 'services:'];
  for (let i = 0; i < n; i++) {
    const layer = Math.floor(i / 10);
    lines.push(`  s${i}:`);
    lines.push(`    activate: "true"`);
    if (layer > 0) lines.push(`    dependsOn: [s${(layer - 1) * 10 + (i % 10)}]`);
  }
  writeFileSync(join(dir, 'stagecraft.config.yaml'), `${lines.join('\n')}\n`);
  return dir;
}

function deployOnce(dir, env) {
  const stateDir = mkdtempSync(join(tmpdir(), 'sc-bench-team-state-'));
  const t0 = process.hrtime.bigint();
  const r = spawnSync(
    process.execPath,
    [bin, 'deploy', '--yes', '--json', '-c', dir, '--state-dir', stateDir],
    {
      env: { ...process.env, CI: 'true', NO_COLOR: '1', ...env },
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  rmSync(stateDir, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`deploy exited ${r.status}: ${r.stderr.slice(-500)}`);
  return ms;
}

const cluster = await startCluster();
if (cluster === undefined) {
  console.log(
    'team store bench: PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb); nothing measured',
  );
  process.exit(0);
}
try {
  const env = { STAGECRAFT_STATE_URL: cluster.url };
  const migrate = spawnSync(process.execPath, [bin, 'state', 'migrate'], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  if (migrate.status !== 0) throw new Error(`state migrate: ${migrate.stderr}`);
  const { Journal } = await dist('state/journal.js');
  const { pgStore } = await dist('state/pg/store.js');
  const scratch = mkdtempSync(join(tmpdir(), 'sc-bench-journal-'));
  const fileFigures = await journalFigures((name) => Journal.open(join(scratch, `${name}.jsonl`)));
  const store = pgStore({ url: cluster.url, project: 'bench', user: 'bench' });
  await store.ready();
  let n = 0;
  const meta = (id) => ({
    id,
    environment: 'default',
    project: 'bench',
    startedAt: new Date().toISOString(),
    user: 'bench',
    host: 'bench',
    pid: process.pid,
    command: 'bench',
    configHash: 'x',
    machineVersion: 'x',
    status: 'running',
  });
  const pgFigures = await journalFigures((name) =>
    store.createDeployment(meta(`${name}-${++n}`), {}),
  );
  await store.close();
  rmSync(scratch, { recursive: true, force: true });

  const dir = generate(SERVICES);
  // Warm both (the first spawn pays for the disk cache), then alternate.
  deployOnce(dir, {});
  deployOnce(dir, env);
  const local = [];
  const team = [];
  for (let i = 0; i < RUNS; i++) {
    local.push(deployOnce(dir, {}));
    team.push(deployOnce(dir, env));
  }
  rmSync(dir, { recursive: true, force: true });
  const lm = median(local);
  const tm = median(team);
  const added = ((tm - lm) / lm) * 100;
  console.log(`## Team store (PostgreSQL) vs state directory — ${new Date().toISOString()}`);
  console.log(
    `Node ${process.version}, ${cpus().length} CPUs, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}; PostgreSQL on 127.0.0.1 (synchronous_commit on)`,
  );
  console.log('');
  console.log('| journal | facts/s, all in flight | p50 of one awaited append |');
  console.log('| --- | --: | --: |');
  console.log(
    `| state directory (fsync) | ${fileFigures.perSecond} | ${fileFigures.p50Ms.toFixed(2)} ms |`,
  );
  console.log(
    `| PostgreSQL (batched) | ${pgFigures.perSecond} | ${pgFigures.p50Ms.toFixed(2)} ms |`,
  );
  console.log('');
  console.log(`| ${SERVICES}-service deployment (median of ${RUNS}) | wall |`);
  console.log('| --- | --: |');
  console.log(`| state directory | ${(lm / 1000).toFixed(2)} s |`);
  console.log(`| PostgreSQL store | ${(tm / 1000).toFixed(2)} s |`);
  console.log(`| added | ${added.toFixed(1)} % (goal ≤ 5 %) |`);
  mkdirSync(join(root, 'bench', '.generated'), { recursive: true });
  writeFileSync(
    join(root, 'bench', '.generated', 'team-store.json'),
    `${JSON.stringify({ fileJournal: fileFigures, pgJournal: pgFigures, services: SERVICES, runs: RUNS, localMs: local, teamMs: team, addedPercent: added }, null, 2)}\n`,
  );
} finally {
  cluster.stop();
}
