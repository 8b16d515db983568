/**
 * Host loss on the built CLI: three hosts in network namespaces (netns-harness.ts), the CLI in the
 * controller namespace, one host unplugged at the switch mid-activation. Its instance becomes
 * unknown within the keepalive bound (1 s × 3), the failure budget counts it, and after the link
 * comes back `resume` probes the instance before running its activation again. Skipped with the
 * reason where network namespaces (or sshd) are not available.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BIN } from '../cli/helpers.js';
import {
  leftovers,
  netnsUnavailable,
  startNetnsFleet,
  type NetnsFleet,
  type NetnsHost,
} from './netns-harness.js';

const unavailable = netnsUnavailable();
if (unavailable !== undefined) console.log(`host-loss tests skipped: ${unavailable}`);

let fleet: NetnsFleet;
let started = false;
let home: string;
const dirs: string[] = [];
beforeAll(async () => {
  if (unavailable !== undefined) return;
  fleet = await startNetnsFleet({ hosts: 3 });
  started = true;
  home = await mkdtemp(join(tmpdir(), 'stagecraft-netns-home-'));
}, 30_000);
afterAll(async () => {
  // Also after a failed start (startNetnsFleet cleans up after itself then: no fleet).
  if (!started) return;
  await fleet.stop();
  expect(leftovers(fleet.id)).toEqual([]);
  // What the deployments left in the deploy user's home (its stagecraft folders, outputs).
  for (let n = 1; n <= projects; n++)
    await rm(join(fleet.home, '.stagecraft', `loss-test-${process.pid}-${n}`), {
      recursive: true,
      force: true,
    });
  await rm(home, { recursive: true, force: true });
  for (const d of dirs) await rm(d, { recursive: true, force: true });
}, 30_000);

const out = (name: string) => join(fleet.home, `loss-${fleet.id}-${name}`);

/** A project on the fleet's hosts; `services` is YAML under `services:`. */
let projects = 0;
/** Each project its own name: a lock left on a cut host by one test is not the next one's. */
async function project(services: string): Promise<string> {
  const name = `loss-test-${process.pid}-${++projects}`;
  const dir = await mkdtemp(join(tmpdir(), 'stagecraft-netns-'));
  dirs.push(dir);
  const hosts = fleet.hosts
    .map((h, i) => `  web-${i + 1}: { address: ${h.address}, user: ${fleet.user}, roles: [web] }`)
    .join('\n');
  await writeFile(
    join(dir, 'stagecraft.config.yaml'),
    `name: ${name}
vars: { OUT: ${out('')} }
hosts:
${hosts}
ssh:
  identityFile: ${fleet.identityFile}
  knownHosts: ${fleet.knownHosts}
  keepalive: 1s
  keepaliveCount: 3
  connectTimeout: 3s
services:
${services}
`,
  );
  return dir;
}

interface Run {
  code: number | null;
  out: string;
  /** When it exited (Date.now()). */
  endedAt: number;
}

/** The built CLI inside the controller namespace; `child` to signal it. */
function cli(args: string[]): { done: Promise<Run>; kill: (s: NodeJS.Signals) => void } {
  const exec = fleet.ctlExec([process.execPath, BIN, ...args]);
  const child = spawn(exec.file, exec.args, {
    env: { PATH: process.env.PATH ?? '', HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout.on('data', (c: Buffer) => (text += c.toString()));
  child.stderr.on('data', (c: Buffer) => (text += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 25_000);
  const done = new Promise<Run>((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out: text, endedAt: Date.now() });
    }),
  );
  return { done, kill: (s) => child.kill(s) };
}

/** Waits (bounded) until a process of `host`'s namespace runs `marker`. */
async function waitRunning(host: NetnsHost, marker: string, run?: Run[]): Promise<void> {
  const until = Date.now() + 10_000;
  while (Date.now() < until) {
    if (fleet.hostProcesses(host).some((c) => c.includes(marker))) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${host.name} never ran ${marker}: ${host.log()}${run?.[0]?.out ?? ''}`);
}

const lines = async (name: string): Promise<string[]> =>
  (await readFile(out(name), 'utf8').catch(() => '')).split('\n').filter((l) => l.length > 0);

/** The NDJSON lines of a `--json` run that parse. */
const events = (text: string): Array<Record<string, unknown>> =>
  text.split('\n').flatMap((l) => {
    try {
      return [JSON.parse(l) as Record<string, unknown>];
    } catch {
      return [];
    }
  });

describe.skipIf(unavailable !== undefined)('a host lost mid-command (network namespaces)', () => {
  test('within the budget: the instance is unknown within the keepalive bound and skipped with a warning', async () => {
    const h1 = fleet.hosts[0]!;
    const dir = await project(`  app:
    on: web
    activate: 'sleep 4.1; echo done >> "$OUT$HOST_NAME"'
    rollout: { batch: 3, failureBudget: 1 }`);
    const run = cli(['deploy', '--yes', '--json', '-c', dir]);
    const ended: Run[] = [];
    void run.done.then((r) => ended.push(r));
    try {
      await waitRunning(h1, 'sleep 4.1', ended);
      await new Promise((r) => setTimeout(r, 1000));
      fleet.cut(h1);
      const cutAt = Date.now();
      const r = await run.done;
      expect(r.code, r.out).toBe(0);
      const evs = events(r.out);
      const warning = evs.find((e) => e.type === 'warning');
      // Keepalive 1 s × 3: known lost about 3 s after the cut, while the link is still down
      // (the run then ends within the lock release's bound: web-1 holds the host lock).
      const took = Date.parse(String(warning?.ts)) - cutAt;
      expect(took, r.out).toBeGreaterThan(2500);
      expect(took, r.out).toBeLessThan(6000);
      expect(r.endedAt - cutAt, r.out).toBeLessThan(12_000);
      expect(r.out).toMatch(/warning: the deploy lock on host web-1 .* could not be removed/);
      expect(String(warning?.message)).toMatch(
        /^web-1 \(unknown: connection to web-1 .* lost: Keepalive timeout.*\): within the failure budget of 1 \(1 used\)$/,
      );
      const web1 = evs.filter((e) => e.type === 'service.state' && e.service === 'app@web-1');
      expect(web1.at(-1)?.state).toBe('skipped');
      expect(String(web1.at(-1)?.reason)).toMatch(/is unknown: connection .* lost/);
      expect(evs.at(-1)).toMatchObject({
        type: 'deployment.finished',
        result: 'succeeded-with-warnings',
        exitCode: 0,
      });
      // The other two finished; web-1 could not say (its command may finish on the host).
      for (const name of ['web-2', 'web-3']) {
        const last = evs
          .filter((e) => e.type === 'service.state' && e.service === `app@${name}`)
          .at(-1);
        expect(last).toMatchObject({ state: 'healthy' });
      }
      // The run finished: `resume` has nothing to re-check (the next deploy activates every host).
      const id = String(evs[0]?.deploymentId);
      const again = await cli(['resume', id, '--yes', '--plain', '-c', dir]).done;
      expect(again.out).toContain(
        `deployment ${id} already finished: succeeded-with-warnings; nothing to resume`,
      );
      expect(again.code).toBe(0);
    } finally {
      fleet.restore(h1);
    }
  }, 30_000);

  test('over the budget: an unknown host rolls the deployment back (exit 1), naming the host as unknown', async () => {
    const h1 = fleet.hosts[0]!;
    const dir = await project(`  app:
    on: web
    activate: 'sleep 4.2; echo done >> "$OUT$HOST_NAME"'
    rollout: { batch: 3, failureBudget: 0 }`);
    const run = cli(['deploy', '--yes', '--json', '-c', dir]);
    try {
      await waitRunning(h1, 'sleep 4.2');
      await new Promise((r) => setTimeout(r, 1000));
      fleet.cut(h1);
      const cutAt = Date.now();
      const r = await run.done;
      expect(r.code, r.out).toBe(1);
      expect(r.endedAt - cutAt, r.out).toBeLessThan(8000);
      const finished = events(r.out).at(-1);
      expect(finished).toMatchObject({
        type: 'deployment.finished',
        result: 'failed',
        exitCode: 1,
      });
      expect(r.out).toMatch(
        /over the failure budget of 0: web-1 \(unknown: connection to web-1 .* lost/,
      );
      expect(events(r.out).some((e) => e.type === 'phase' && e.phase === 'rolling-back')).toBe(
        true,
      );
    } finally {
      fleet.restore(h1);
    }
  }, 30_000);

  test('resume probes the unknown instances once the link is back: a healthy one is not run again, an unhealthy one is', async () => {
    const [h1, h2, h3] = fleet.hosts as [NetnsHost, NetnsHost, NetnsHost];
    for (const n of ['web-1', 'web-2', 'web-3']) await rm(out(n), { force: true });
    // The probe also proves where it runs: only a host namespace has an eth0.
    const dir = await project(`  app:
    on: web
    activate: 'echo start >> "$OUT$HOST_NAME"; sleep 4.3; echo done >> "$OUT$HOST_NAME"'
    health: { command: 'grep -q done "$OUT$HOST_NAME" && test -e /sys/class/net/eth0', interval: 200ms }
    rollout: { batch: 2, failureBudget: 2 }`);
    const run = cli(['deploy', '--yes', '--json', '-c', dir]);
    let r: Run;
    try {
      await waitRunning(h1, 'sleep 4.3');
      await waitRunning(h2, 'sleep 4.3');
      await new Promise((r2) => setTimeout(r2, 1000));
      fleet.cut(h1);
      fleet.cut(h2);
      // Both unknown (within the budget of 2): the second batch starts on web-3; stop the run hard.
      await waitRunning(h3, 'sleep 4.3');
      run.kill('SIGKILL');
      r = await run.done;
    } finally {
      fleet.restore(h1);
      fleet.restore(h2);
    }
    expect(r.code).toBe(null);
    const evs = events(r.out);
    for (const n of ['app@web-1', 'app@web-2'])
      expect(evs.filter((e) => e.type === 'service.state' && e.service === n).at(-1)).toMatchObject(
        {
          state: 'skipped',
        },
      );
    // The cut hosts finished on their own meanwhile (their sessions never saw the end of the
    // connection); on web-3, whose connection closed with the run, the command was stopped.
    const until = Date.now() + 8000;
    while (
      Date.now() < until &&
      (await Promise.all(['web-1', 'web-2'].map(lines))).some((l) => !l.includes('done'))
    )
      await new Promise((r2) => setTimeout(r2, 100));
    expect(await lines('web-1')).toEqual(['start', 'done']);
    expect(await lines('web-3')).toEqual(['start']);
    // web-2 is made to look half-done: its probe fails, so its activation runs again.
    await writeFile(out('web-2'), 'start\n');
    const resumed = cli(['resume', '--yes', '--json', '-c', dir]);
    const r2 = await resumed.done;
    expect(r2.code, r2.out).toBe(0);
    const evs2 = events(r2.out);
    const planned = evs2.find((e) => e.type === 'resume.planned') as
      | { summary?: { services?: Array<{ service: string; entry: string; why: string }> } }
      | undefined;
    const why = JSON.stringify(planned?.summary?.services);
    expect(await lines('web-1'), why).toEqual(['start', 'done']);
    expect(await lines('web-2'), why).toEqual(['start', 'start', 'done']);
    expect(await lines('web-3')).toEqual(['start', 'start', 'done']);
    // Journaled: why each instance re-entered where it did, and the reconciled one as a warning.
    const entries = Object.fromEntries(
      (planned?.summary?.services ?? []).map((e) => [e.service, `${e.entry}: ${e.why}`]),
    );
    expect(entries['app@web-1']).toBe(
      'health: its outcome was unknown (connection lost), found healthy by probing',
    );
    expect(entries['app@web-2']).toMatch(
      /^activate: its outcome was unknown \(connection lost\), not healthy now \(command grep -q done .*: exit 1\)$/,
    );
    expect(entries['app@web-3']).toMatch(
      /^activate: in flight at the interruption, not healthy now \(command grep -q done .*: exit 1\)$/,
    );
    expect(Object.keys(entries)).toHaveLength(3);
    expect(evs2.filter((e) => e.type === 'warning').map((e) => e.message)).toEqual([
      'app@web-1: its outcome was unknown (connection lost); reconciled by probe: found healthy, not run again',
    ]);
    for (const n of ['app@web-1', 'app@web-2', 'app@web-3'])
      expect(
        evs2.filter((e) => e.type === 'service.state' && e.service === n).at(-1),
      ).toMatchObject({ state: 'healthy' });
    expect(evs2.at(-1)).toMatchObject({ type: 'deployment.finished', exitCode: 0 });
  }, 45_000);
});
