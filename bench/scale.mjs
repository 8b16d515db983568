// `npm run bench` (last): stagecraft against GNU `make -j` on the same generated dependency graph
// (bench/scale-graph.mjs: 100 and 500 one-shot `sleep` services, no probes, default stages),
// then the readiness-detection bench (bench/readiness.mjs). For each size, runs of
// `make -j -s -f Makefile all` and `stagecraft deploy --yes --plain` alternate (BENCH_SCALE_RUNS,
// default 5, each); reported: median wall times, their ratio, and the orchestrator's own CPU time
// and peak RSS (process.resourceUsage() via bench/usage-preload.mjs: children excluded).
// Prints markdown; raw figures in bench/.generated/scale.json.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { generatedDir, stagecraft, timed } from './cli.mjs';
import { healthyTimes, readJournal } from './journal-healthy.mjs';
import { readinessBench, readinessReport } from './readiness.mjs';
import { generateGraph, graphStats, SHAPES, writeGraph } from './scale-graph.mjs';
import { median } from './stats.mjs';

const RUNS = Number(process.env.BENCH_SCALE_RUNS ?? 5);
const SIZES = [100, 500];
const TARGETS = { ratio: { 100: 1.1, 500: 1.15 }, cpuMsPerService: 5, rssMb: { 500: 120 } };

const benchStart = process.hrtime.bigint();

/**
 * Where one stagecraft run's wall time went, from its journal's timestamps: spawn → first entry
 * (Node start-up, imports, config), → last service healthy (activation), → last entry (verifying,
 * finalizing), → process exit.
 */
function breakdown(stateDir, spawnedAt, exitedAt) {
  const [id] = readdirSync(join(stateDir, 'deployments'));
  const entries = readJournal(join(stateDir, 'deployments', id, 'journal.jsonl'));
  const first = entries[0].ts;
  const last = entries[entries.length - 1].ts;
  const lastHealthy = Math.max(...healthyTimes(entries).values());
  return {
    startupMs: first - spawnedAt,
    activationMs: lastHealthy - first,
    finishMs: last - lastHealthy,
    exitMs: exitedAt - last,
    journalEntries: entries.length,
  };
}

/** The fixed cost: a deploy of one service (`sleep 0`), Node start-up included. */
function benchFixedCost() {
  const dir = join(generatedDir, 'scale-1');
  rmSync(dir, { recursive: true, force: true });
  writeGraph(dir, [{ name: 's0', seconds: 0, deps: [] }], 'scale-1');
  const usageFile = join(generatedDir, 'usage-1.json');
  const runs = [];
  for (let i = 0; i < RUNS; i++) {
    const stateDir = mkdtempSync(join(tmpdir(), 'stagecraft-bench-scale-1-'));
    try {
      const sc = stagecraft(['deploy', '--yes', '--plain', '-c', dir, '--state-dir', stateDir], {
        usageFile,
      });
      const { userCPUTime, systemCPUTime, maxRSS } = sc.usage;
      runs.push({
        ms: sc.ms,
        cpuMs: (userCPUTime + systemCPUTime + sc.helpers.cpuMicros) / 1000,
        ownCpuMs: (userCPUTime + systemCPUTime) / 1000,
        maxRssMb: maxRSS / 1024,
      });
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  }
  rmSync(usageFile, { force: true });
  return {
    runs,
    medianMs: median(runs.map((r) => r.ms)),
    cpuMedianMs: median(runs.map((r) => r.cpuMs)),
    ownCpuMedianMs: median(runs.map((r) => r.ownCpuMs)),
    maxRssMb: Math.max(...runs.map((r) => r.maxRssMb)),
  };
}

function benchSize(n, fixed) {
  const services = generateGraph(n, SHAPES[n]);
  const stats = graphStats(services);
  const dir = join(generatedDir, `scale-${n}`);
  rmSync(dir, { recursive: true, force: true });
  writeGraph(dir, services, `scale-${n}`);
  console.error(
    `scale ${n}: critical path ${stats.criticalPath.toFixed(2)} s, layer-barrier bound ` +
      `${stats.layerBound.toFixed(2)} s (${stats.layers} layers, ${stats.totalWork.toFixed(1)} s of work)`,
  );
  const usageFile = join(generatedDir, `usage-${n}.json`);
  const runs = [];
  for (let i = 0; i < RUNS; i++) {
    const make = timed('make', ['-j', '-s', '-f', 'Makefile', 'all'], { cwd: dir });
    const stateDir = mkdtempSync(join(tmpdir(), `stagecraft-bench-scale-${n}-`));
    try {
      const spawnedAt = Date.now();
      const sc = stagecraft(['deploy', '--yes', '--plain', '-c', dir, '--state-dir', stateDir], {
        usageFile,
      });
      const exitedAt = sc.endedAt;
      const { userCPUTime, systemCPUTime, maxRSS } = sc.usage;
      runs.push({
        makeMs: make.ms,
        stagecraftMs: sc.ms,
        ratio: sc.ms / make.ms,
        cpuMs: (userCPUTime + systemCPUTime + sc.helpers.cpuMicros) / 1000,
        ownCpuMs: (userCPUTime + systemCPUTime) / 1000,
        helperCpuMs: sc.helpers.cpuMicros / 1000,
        helpers: sc.helpers.count,
        userCpuMs: userCPUTime / 1000,
        systemCpuMs: systemCPUTime / 1000,
        maxRssMb: maxRSS / 1024,
        helperRssMb: sc.helpers.maxRSS / 1024,
        ...breakdown(stateDir, spawnedAt, exitedAt),
      });
      console.error(
        `  run ${i + 1}/${RUNS}: make ${(make.ms / 1000).toFixed(2)} s, stagecraft ` +
          `${(sc.ms / 1000).toFixed(2)} s`,
      );
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  }
  rmSync(usageFile, { force: true });
  const med = (key) => median(runs.map((r) => r[key]));
  const ratios = runs.map((r) => r.ratio);
  return {
    services: n,
    shape: SHAPES[n],
    ...stats,
    runs,
    makeMedianMs: med('makeMs'),
    stagecraftMedianMs: med('stagecraftMs'),
    ratio: med('stagecraftMs') / med('makeMs'),
    ratioMin: Math.min(...ratios),
    ratioMax: Math.max(...ratios),
    cpuMedianMs: med('cpuMs'),
    ownCpuMedianMs: med('ownCpuMs'),
    helperCpuMedianMs: med('helperCpuMs'),
    cpuMsPerService: med('cpuMs') / n,
    marginalCpuMsPerService: (med('cpuMs') - fixed.cpuMedianMs) / (n - 1),
    helperRssMb: Math.max(...runs.map((r) => r.helperRssMb)),
    maxRssMb: Math.max(...runs.map((r) => r.maxRssMb)),
    breakdownMedianMs: {
      startup: med('startupMs'),
      activation: med('activationMs'),
      finish: med('finishMs'),
      exit: med('exitMs'),
      journalEntries: med('journalEntries'),
    },
  };
}

const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
const mark = (ok) => (ok === undefined ? '' : ok ? ' ✓' : ' ✗');

function report(results, fixed) {
  const lines = [
    `Node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), load average ` +
      `${loadavg()[0].toFixed(1)} at the end; ${RUNS} alternating runs each of \`make -j -s\` and ` +
      '`stagecraft deploy --yes --plain` (spawned `node bin/stagecraft.js`, Node start-up included).',
    '',
    '| services | critical path | layer bound | make -j median | stagecraft median | ratio (min–max) | CPU per service | marginal CPU per service | peak RSS |',
    '| -------: | ------------: | ----------: | -------------: | ----------------: | --------------: | --------------: | -----------------------: | -------: |',
    `| target | | | | | ≤ ${TARGETS.ratio[100].toFixed(2)} (100), ≤ ${TARGETS.ratio[500].toFixed(2)} (500) | ≤ ${TARGETS.cpuMsPerService} ms | | ≤ ${TARGETS.rssMb[500]} MB (500) |`,
  ];
  for (const r of results) {
    const ratioOk = TARGETS.ratio[r.services] && r.ratio <= TARGETS.ratio[r.services];
    const rssTarget = TARGETS.rssMb[r.services];
    lines.push(
      `| ${r.services} | ${r.criticalPath.toFixed(2)} s | ${r.layerBound.toFixed(2)} s | ` +
        `${s(r.makeMedianMs)} | ${s(r.stagecraftMedianMs)} | ${r.ratio.toFixed(2)} ` +
        `(${r.ratioMin.toFixed(2)}–${r.ratioMax.toFixed(2)})${mark(ratioOk)} | ` +
        `${r.cpuMsPerService.toFixed(1)} ms (${Math.round(r.cpuMedianMs)} ms: ` +
        `${Math.round(r.ownCpuMedianMs)} + runner ${Math.round(r.helperCpuMedianMs)})` +
        `${mark(r.cpuMsPerService <= TARGETS.cpuMsPerService)} | ` +
        `${r.marginalCpuMsPerService.toFixed(1)} ms | ${Math.round(r.maxRssMb)} MB` +
        `${mark(rssTarget === undefined ? undefined : r.maxRssMb <= rssTarget)} |`,
    );
  }
  lines.push(
    '',
    'CPU per service: user+system CPU time of the stagecraft process and of its own Node helpers ' +
      "(the command runner; the `sleep` commands themselves are not counted, as make's are not), " +
      'median over runs, divided by the number of services (total in parentheses: stagecraft + ' +
      'runner). Marginal: the same minus the fixed cost of a 1-service deploy, per further ' +
      'service. Peak RSS: the largest maxRSS of the stagecraft process over the runs. Layer bound: the ' +
      'sum over dependency layers of the longest ' +
      'service in the layer (what a scheduler that waits for each whole layer achieves).',
    '',
    `The command runner's own peak RSS: ${results.map((r) => `${Math.round(r.helperRssMb)} MB at ${r.services}`).join(', ')}.`,
    '',
    `Fixed cost, for scale: a deploy of 1 service (\`sleep 0\`) takes ${s(fixed.medianMs)} wall, ` +
      `${Math.round(fixed.cpuMedianMs)} ms CPU and ${Math.round(fixed.maxRssMb)} MB peak RSS (median of ${RUNS}).`,
    '',
    "Where stagecraft's wall time goes (medians; from the journal's timestamps):",
    '',
    '| services | spawn → first journal entry | → last service healthy | → last journal entry | → exit | journal entries |',
    '| -------: | --------------------------: | ---------------------: | ------------------: | -----: | --------------: |',
  );
  for (const r of results) {
    const b = r.breakdownMedianMs;
    lines.push(
      `| ${r.services} | ${b.startup} ms | ${s(b.activation)} | ${b.finish} ms | ${b.exit} ms | ${b.journalEntries} |`,
    );
  }
  return lines.join('\n');
}

mkdirSync(generatedDir, { recursive: true });
const fixed = benchFixedCost();
const results = SIZES.map((n) => benchSize(n, fixed));
console.log(report(results, fixed));
console.error('readiness: deploying 10 process services');
const readiness = await readinessBench();
console.log('');
console.log(readinessReport(readiness));
const totalMs = Number(process.hrtime.bigint() - benchStart) / 1e6;
console.log('');
console.log(`(bench/scale.mjs took ${s(totalMs)})`);
writeFileSync(
  join(generatedDir, 'scale.json'),
  `${JSON.stringify(
    {
      node: process.version,
      cpus: cpus().length,
      loadavg: loadavg(),
      runs: RUNS,
      fixedCost: fixed,
      scale: results,
      readiness,
      totalMs,
    },
    null,
    2,
  )}\n`,
);
if (readiness.survivors.length > 0) process.exitCode = 1;
