/**
 * Faults of the world around stagecraft: a service that exits, hostile health endpoints, commands
 * that leave a setsid grandchild, a read-only state folder, a closed stdout, NODE_OPTIONS from
 * the config, a full log disk.
 */
import { chmod, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT } from '../cli/helpers.js';
import type { Generator } from './case.js';
import { DEPLOY, journaled, services, writeStack, type Config } from './fault-helpers.js';
import { printVars } from './project.js';
import { between, pick } from './rand.js';

const serviceExits: Generator = {
  name: 'service-exits',
  kind: 'fault',
  async run(ctx) {
    const how = pick(ctx.rand, [
      'at once',
      'while checked',
      'while monitored',
      'by SIGKILL',
    ] as const);
    const afterS = (between(ctx.rand, 1, 12) / 10).toFixed(1);
    ctx.note(`db exits ${how} (after ${afterS} s)`);
    const run = {
      'at once': `${printVars('db', 'ATTACK_SECRET')}; exit 3`,
      'while checked': `${printVars('db', 'ATTACK_SECRET')}; sleep ${afterS}; exit 4`,
      'while monitored': `node split-secret.mjs PORT & p=$!; sleep ${afterS}; kill -9 $p; exit 5`,
      'by SIGKILL': `node split-secret.mjs PORT & sleep ${afterS}; kill -9 $$`,
    }[how];
    await writeStack(ctx, { healthy: true, migrateSleep: 2 }, (c) => {
      services(c).db!.process = { run, env: { SENTINELS: 'ATTACK_SECRET,DB_URL' } };
    });
    await ctx.cli(DEPLOY, { expect: [1] });
  },
};

const hostileHealth: Generator = {
  name: 'hostile-health-server',
  kind: 'fault',
  async run(ctx) {
    const mode = pick(ctx.rand, ['500', 'hang', 'close', 'drip', 'garbage', 'huge'] as const);
    const as = pick(ctx.rand, ['health', 'readiness'] as const);
    ctx.note(`a health server that answers ${mode}, as ${as}`);
    await writeStack(ctx, { healthy: true }, (c) => {
      const db = services(c).db!;
      db.process = { run: 'node hostile-http.mjs', env: { HOSTILE: mode } };
      const probe = {
        http: { url: 'http://127.0.0.1:${PORT}/healthz', body: 'ready' },
        interval: '100ms',
        timeout: '300ms',
        retries: 2,
      };
      if (as === 'health') db.health = probe;
      else {
        db.health = {
          tcp: '127.0.0.1:${PORT}',
          interval: '100ms',
          timeout: '300ms',
          retries: 3,
          startPeriod: '5s',
        };
        db.readiness = [probe];
      }
    });
    const r = await ctx.cli(DEPLOY, { expect: [1] });
    if (r.ms > 15_000) ctx.fail(`a hostile health server held deploy for ${r.ms} ms`);
  },
};

const escapingGrandchild: Generator = {
  name: 'setsid-grandchild',
  kind: 'fault',
  async run(ctx) {
    const where = pick(ctx.rand, [
      'activate',
      'activate past its timeout',
      'health command',
      'rollback',
      'stop',
      'prepare and cleanup',
    ] as const);
    const holds = ctx.rand() < 0.6;
    ctx.note(`${where} leaves a setsid grandchild${holds ? ' holding stdout' : ''}`);
    const esc = `setsid sh -c 'exec sleep 60' ${holds ? '' : '>/dev/null 2>&1 '}& `;
    await writeStack(
      ctx,
      { healthy: !['health command', 'rollback', 'prepare and cleanup'].includes(where) },
      (c) => {
        const s = services(c);
        if (where === 'activate') s.migrate!.activate = `${esc}${printVars('m', 'ATTACK_SECRET')}`;
        if (where === 'activate past its timeout') {
          s.migrate!.activate = `${esc}sleep 30`;
          s.migrate!.timeout = '2s';
        }
        if (where === 'health command')
          s.api!.health = { command: `${esc}exit 1`, timeout: '1s', retries: 1, interval: '100ms' };
        if (where === 'rollback')
          s.migrate!.rollback = `${esc}${printVars('undo', 'ATTACK_SECRET')}`;
        if (where === 'stop') s.migrate!.stop = `${esc}${printVars('stop', 'ATTACK_SECRET')}`;
        if (where === 'prepare and cleanup')
          c.prepare = [{ name: 'p', run: `${esc}true`, cleanup: `${esc}true` }];
      },
    );
    const r = await ctx.cli(DEPLOY, {
      expect:
        where === 'activate' || where === 'stop' ? [0] : where === 'health command' ? [1, 3] : [1],
    });
    if (r.ms > 12_000) ctx.fail(`deploy took ${r.ms} ms with a grandchild holding its output`);
  },
};

const readOnlyState: Generator = {
  name: 'read-only-state-folder',
  kind: 'fault',
  async run(ctx) {
    const command = pick(ctx.rand, ['deploy', 'down', 'rollback'] as const);
    ctx.note(`${command} with a read-only state folder`);
    await writeStack(ctx, { healthy: true });
    await ctx.cli(DEPLOY, { expect: [0] });
    const args = {
      deploy: DEPLOY,
      down: ['down', '--yes', '--plain'],
      rollback: ['rollback', '--yes', '--plain'],
    }[command];
    if (process.getuid?.() === 0) {
      // root writes through file modes: a read-only bind mount in a mount namespace of its own.
      const wrap = [
        'unshare',
        '-m',
        'sh',
        '-c',
        'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" "$0" && exec "$@"',
        ctx.stateDir,
      ];
      await ctx.cli(args, { expect: [2], wrap });
    } else {
      await chmodTree(ctx.stateDir, false);
      try {
        await ctx.cli(args, { expect: [2] });
      } finally {
        await chmodTree(ctx.stateDir, true);
      }
    }
  },
};

async function chmodTree(dir: string, writable: boolean): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const p = join(e.parentPath, e.name);
    await chmod(p, e.isDirectory() ? (writable ? 0o755 : 0o555) : writable ? 0o644 : 0o444);
  }
  await chmod(dir, writable ? 0o755 : 0o555);
}

const stdoutClosed: Generator = {
  name: 'stdout-closed',
  kind: 'fault',
  async run(ctx) {
    const healthy = ctx.rand() < 0.5;
    const json = ctx.rand() < 0.5;
    ctx.note(
      `deploy ${json ? '--json' : '--plain'} | head -1, the deployment ${healthy ? 'succeeds' : 'fails'}`,
    );
    await writeStack(ctx, { healthy, migrateSleep: 1 });
    const r = await ctx.cli(['deploy', '--yes', json ? '--json' : '--plain'], {
      closeStdout: true,
      expect: healthy ? [0, 1] : [1],
    });
    ctx.injected += 1;
    const finished = journaled(ctx, 'deployment.finished')();
    if (!finished)
      ctx.fail(
        `stdout closed: the deployment was abandoned (exit ${r.code}, no deployment.finished journaled)`,
      );
  },
};

const nodeOptions: Generator = {
  name: 'node-options-from-config',
  kind: 'fault',
  async run(ctx) {
    const via = pick(ctx.rand, ['vars', '--var'] as const);
    ctx.note(`NODE_OPTIONS=--require bomb.cjs in ${via}`);
    const marker = join(ctx.dir, 'node-options.log');
    await ctx.write(
      'bomb.cjs',
      `require('fs').appendFileSync(${JSON.stringify(marker)}, process.argv.slice(1).join(' ') + '\\n');\n`,
    );
    const value = `--require ${join(ctx.dir, 'bomb.cjs')}`;
    await writeStack(ctx, { healthy: true }, (c) => {
      if (via === 'vars') (c.vars as Config).NODE_OPTIONS = value;
    });
    await ctx.cli(via === 'vars' ? DEPLOY : [...DEPLOY, '--var', `NODE_OPTIONS=${value}`], {
      expect: [0],
    });
    const loaded = (await readFile(marker, 'utf8').catch(() => ''))
      .split('\n')
      .filter((l) => l.includes(join(ROOT, 'dist')) || l.includes('stagecraft.js'));
    if (loaded.length > 0)
      ctx.fail(`the config's NODE_OPTIONS was loaded into stagecraft's own process: ${loaded[0]}`);
  },
};

const fullLogDisk: Generator = {
  name: 'full-log-disk',
  kind: 'fault',
  async run(ctx) {
    ctx.note(
      'db (which has secrets: its output goes through the relay) writes 300 KB to a 16 KiB log file system',
    );
    await writeStack(ctx, { healthy: true }, (c) => {
      services(c).db!.process = {
        run: `head -c 300000 /dev/zero | tr '\\0' x; printf '\\n'; exec node split-secret.mjs PORT`,
        env: { SENTINELS: 'ATTACK_SECRET,DB_URL' },
      };
    });
    if (process.getuid?.() !== 0) {
      ctx.note('not root: no tmpfs, run on the real disk');
      await ctx.cli(DEPLOY, { expect: [0] });
    } else {
      const logs = join(ctx.stateDir, 'logs', 'default');
      await mkdir(logs, { recursive: true });
      await writeFile(join(ctx.stateDir, 'format.json'), '{"format":1}\n');
      const wrap = [
        'unshare',
        '-m',
        'sh',
        '-c',
        'mount -t tmpfs -o size=16k tmpfs "$0" && exec "$@"',
        logs,
      ];
      await ctx.cli(DEPLOY, { expect: [0, 1], wrap });
    }
    await new Promise((r) => setTimeout(r, 800));
    const st = await ctx.cli(['status']);
    if (st.code !== 0)
      ctx.fail(
        `db did not survive a full log disk: status exit ${st.code} (${st.stdout.split('\n').find((l) => l.includes('db')) ?? ''})`,
      );
  },
};

/** The generators of a hostile world. */
export const WORLD_FAULTS: Generator[] = [
  serviceExits,
  hostileHealth,
  escapingGrandchild,
  readOnlyState,
  stdoutClosed,
  nodeOptions,
  fullLogDisk,
];
