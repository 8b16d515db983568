import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CommandSpec, HostSpec } from '../../src/config/plan-types.js';
import { Masker, MASK } from '../../src/core/mask.js';
import { checkHostKey, verifyHostKey } from '../../src/adapters/ssh/known-hosts.js';
import { HostKeyError, SshPool } from '../../src/adapters/ssh/pool.js';
import { remoteEntry, remoteScript, runRemoteCommand } from '../../src/adapters/ssh/remote-exec.js';
import {
  listRemote,
  remoteAlive,
  remoteLogTail,
  startRemote,
  stopRemote,
} from '../../src/adapters/ssh/remote-process.js';
import { fleetUnavailable, processTree, remotePs, startFleet, type Fleet } from './sshd-harness.js';

/** OpenSSH client tools, run by name (constants: they are system tools, not npm binaries). */
const KEYGEN = 'ssh-keygen';
const AGENT = 'ssh-agent';
const ADD = 'ssh-add';
const why = fleetUnavailable();
if (why !== undefined) process.stderr.write(`skipping the SSH transport tests: ${why}\n`);

let fleet: Fleet;
let pool: SshPool;
let scratch: string;

function hostOf(i: number, over: Partial<HostSpec['ssh']> = {}): HostSpec {
  const h = fleet.hosts[i];
  if (h === undefined) throw new Error(`no host ${i}`);
  return {
    name: h.name,
    address: h.address,
    port: h.port,
    user: fleet.user,
    roles: [],
    vars: {},
    ssh: {
      identityFile: fleet.identityFile,
      agent: false,
      knownHosts: [fleet.knownHosts],
      connectTimeoutMs: 5000,
      keepaliveMs: 300,
      keepaliveCount: 3,
      ...over,
    },
  };
}

const cmd = (
  host: HostSpec,
  run: string | string[],
  extra: Partial<CommandSpec> = {},
): CommandSpec => ({
  run,
  cwd: '',
  env: {},
  host,
  ...extra,
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every 25 ms, at most `ms`. */
async function until(check: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await sleep(25);
  }
  return check();
}

function filesUnder(dir: string, out: string[] = [], depth = 0): string[] {
  if (depth > 8 || out.length > 5000) return out;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) filesUnder(p, out, depth + 1);
    else if (e.isFile() && statSync(p).size < 1 << 20) out.push(p);
  }
  return out;
}

/** A fake SSH public key blob of `type` (only its bytes are compared). */
function blob(type: string, fill: number): Buffer {
  const name = Buffer.from(type);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(name.length);
  return Buffer.concat([len, name, Buffer.from([0, 0, 0, 32]), Buffer.alloc(32, fill)]);
}

describe('known_hosts verification', () => {
  const a = blob('ssh-ed25519', 1);
  const b = blob('ssh-ed25519', 2);
  const r = blob('ssh-rsa', 3);
  const dir = mkdtempSync(join(tmpdir(), 'sc-kh-'));
  let n = 0;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (text: string): string => {
    const f = join(dir, `known_hosts_${n++}`);
    writeFileSync(f, text);
    return f;
  };
  it('matches plain names, [host]:port, comma lists, wildcards and negations, skipping comments', async () => {
    const f = file(
      [
        '# a comment',
        '',
        `web1,10.0.0.5 ssh-ed25519 ${a.toString('base64')} comment here`,
        `[db.example]:2222 ssh-ed25519 ${b.toString('base64')}`,
        `*.fleet,!bad.fleet ssh-ed25519 ${a.toString('base64')}`,
        'garbage line',
      ].join('\n'),
    );
    expect(await verifyHostKey([f], '10.0.0.5', 22, a)).toBe('ok');
    expect(await verifyHostKey([f], '10.0.0.5', 2200, a)).toBe('unknown');
    expect(await verifyHostKey([f], 'web1', 22, b)).toBe('mismatch');
    expect(await verifyHostKey([f], 'web1', 22, r)).toBe('unknown');
    expect(await verifyHostKey([f], 'db.example', 2222, b)).toBe('ok');
    expect(await verifyHostKey([f], 'db.example', 22, b)).toBe('unknown');
    expect(await verifyHostKey([f], 'x.fleet', 22, a)).toBe('ok');
    expect(await verifyHostKey([f], 'bad.fleet', 22, a)).toBe('unknown');
    expect(await verifyHostKey([join(tmpdir(), 'no-such-known-hosts')], 'web1', 22, a)).toBe(
      'unknown',
    );
  });
  it('refuses a key marked @revoked, for any host, and skips @cert-authority lines', async () => {
    const f = file(
      [
        `@revoked * ${'ssh-ed25519'} ${a.toString('base64')}`,
        `@cert-authority *.fleet ssh-ed25519 ${b.toString('base64')}`,
        `web1 ssh-ed25519 ${a.toString('base64')}`,
      ].join('\n'),
    );
    expect(await verifyHostKey([f], 'web1', 22, a)).toBe('revoked');
    expect(await verifyHostKey([f], 'x.fleet', 22, b)).toBe('unknown');
    expect(checkHostKey([], 'web1', 22, a)).toBe('unknown');
  });
});

describe('the remote script', () => {
  it('runs nothing at all when it arrives cut short (a connection lost while it was sent)', () => {
    const command: CommandSpec = {
      run: ['echo', 'ran', 'with', 'all'],
      cwd: '/tmp',
      env: { B: "it's" },
    };
    const script = Buffer.from(remoteScript(command, { A: 'x y' }));
    const entry = remoteEntry(script.length).replace(/^exec /, '');
    const full = spawnSync('/bin/sh', ['-c', entry], { input: script, encoding: 'utf8' });
    expect(full.stdout).toBe('ran with all\n');
    // Every cut but the last newline's (which leaves the whole brace group) runs nothing.
    for (let k = 0; k < script.length - 1; k++) {
      const cut = spawnSync('/bin/sh', ['-c', entry], {
        input: script.subarray(0, k),
        encoding: 'utf8',
      });
      expect(cut.stdout, `cut at ${k} bytes`).toBe('');
    }
  });
});

describe.skipIf(why !== undefined)('SSH transport against real sshd', () => {
  beforeAll(async () => {
    fleet = await startFleet({ hosts: 3 });
    scratch = mkdtempSync(join(tmpdir(), 'sc-ssh-test-'));
  });
  afterAll(async () => {
    await pool?.close();
    await fleet?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });
  afterEach(async () => {
    await pool?.close();
  });

  it('runs commands on three hosts over one connection each, with exit codes', async () => {
    pool = new SshPool();
    const outcomes = await Promise.all(
      [0, 1, 2].flatMap((i) =>
        [0, 1, 2, 3, 4, 5].map((n) =>
          runRemoteCommand(pool, cmd(hostOf(i), `echo host-$(hostname)-${n}; exit ${n}`), {
            env: {},
            timeoutMs: 10_000,
          }),
        ),
      ),
    );
    expect(outcomes.map((o) => o.exitCode)).toEqual([
      0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5,
    ]);
    expect(outcomes.every((o) => !o.lost && o.error === undefined)).toBe(true);
    expect(outcomes[3]?.outputTail).toMatch(/^host-.*-3\n$/);
    expect(pool.connectionsOpened).toBe(3);
    const argv = await runRemoteCommand(pool, cmd(hostOf(0), ['printf', '%s|', 'a b', "it's"]), {
      env: {},
      timeoutMs: 5000,
    });
    expect(argv.outputTail).toBe("a b|it's|");
    expect(pool.connectionsOpened).toBe(3);
  });

  it('passes env and secrets on stdin only: in no command line, in no file of the home, masked in log and tail', async () => {
    pool = new SshPool();
    const secret = `s3cr3t-${randomBytes(8).toString('hex')}`;
    const log = join(scratch, 'env.log');
    const mask = new Masker([secret]);
    const pending = runRemoteCommand(
      pool,
      cmd(
        hostOf(1),
        'echo "plain=$PLAIN"; echo "secret=$API_TOKEN" >&2; echo "quote=$Q"; sleep 1; echo done',
        {
          env: { Q: `it's "quoted" $HOME` },
        },
      ),
      { env: { PLAIN: 'hello', API_TOKEN: secret }, timeoutMs: 10_000, logFile: log, mask },
    );
    const seen: string[] = [];
    await until(() => {
      const ps = remotePs(fleet);
      seen.push(...ps.map((p) => p.args));
      return ps.some((p) => p.args.includes('sleep 1'));
    }, 3000);
    const outcome = await pending;
    expect(seen.some((a) => a.includes('sleep 1'))).toBe(true);
    expect(seen.join('\n')).not.toContain(secret);
    expect(seen.join('\n')).not.toContain('hello');
    expect(outcome.exitCode).toBe(0);
    expect(outcome.outputTail).toContain('plain=hello');
    expect(outcome.outputTail).toContain(`secret=${MASK}`);
    expect(outcome.outputTail).toContain(`quote=it's "quoted" $HOME`);
    expect(outcome.outputTail).not.toContain(secret);
    const logged = readFileSync(log, 'utf8');
    expect(logged).toContain(`secret=${MASK}`);
    expect(logged).toContain('done');
    expect(logged).not.toContain(secret);
    for (const f of filesUnder(fleet.home)) expect(readFileSync(f, 'latin1')).not.toContain(secret);
    // The operator's own environment is not sent.
    process.env.SC_OPERATOR_ONLY = 'operator-value';
    const env = await runRemoteCommand(pool, cmd(hostOf(1), 'env'), { env: {}, timeoutMs: 5000 });
    delete process.env.SC_OPERATOR_ONLY;
    expect(env.outputTail).not.toContain('operator-value');
    expect(remoteEntry(10)).toMatch(/^exec \/bin\/sh -c '.*head -c 10\)/s);
  });

  it('reports a missing working directory clearly, and rejects a bad variable name', async () => {
    pool = new SshPool();
    const o = await runRemoteCommand(pool, cmd(hostOf(0), 'true', { cwd: '/no/such/dir' }), {
      env: {},
      timeoutMs: 5000,
    });
    expect(o.exitCode).toBeNull();
    expect(o.error).toBe('working directory does not exist on h1: /no/such/dir');
    const ok = await runRemoteCommand(pool, cmd(hostOf(0), 'pwd', { cwd: '/tmp' }), {
      env: {},
      timeoutMs: 5000,
    });
    expect(ok.outputTail).toBe('/tmp\n');
    const bad = await runRemoteCommand(pool, cmd(hostOf(0), 'true'), {
      env: { 'A;B': 'x' },
      timeoutMs: 5000,
    });
    expect(bad.error).toMatch(/not a valid environment variable name: A;B/);
  });

  it('a deadline kills the remote process group, simple and compound', async () => {
    pool = new SshPool();
    for (const run of ['sleep 41', 'sleep 42; echo never']) {
      const started = Date.now();
      const o = await runRemoteCommand(pool, cmd(hostOf(2), run), {
        env: {},
        timeoutMs: 600,
        graceMs: 1000,
      });
      expect(Date.now() - started).toBeLessThan(600 + 1000 + 1500);
      expect(o.timedOut).toBe(true);
      expect(o.exitCode).toBeNull();
      expect(o.signal).toBe('SIGTERM');
      expect(o.lost).toBeUndefined();
      const marker = run.slice(0, 8);
      expect(await until(() => !remotePs(fleet).some((p) => p.args.includes(marker)), 2000)).toBe(
        true,
      );
    }
  });

  it('an AbortSignal cancels the same way', async () => {
    pool = new SshPool();
    const ac = new AbortController();
    const pending = runRemoteCommand(pool, cmd(hostOf(2), 'sleep 43; echo never'), {
      env: {},
      timeoutMs: 10_000,
      signal: ac.signal,
    });
    expect(await until(() => remotePs(fleet).some((p) => p.args.includes('sleep 43')), 3000)).toBe(
      true,
    );
    ac.abort();
    const o = await pending;
    expect(o.canceled).toBe(true);
    expect(o.signal).toBe('SIGTERM');
    expect(await until(() => !remotePs(fleet).some((p) => p.args.includes('sleep 43')), 2000)).toBe(
      true,
    );
  });

  it('settles by deadline + grace + bound when the command ignores TERM (KILL then)', async () => {
    pool = new SshPool();
    const started = Date.now();
    const o = await runRemoteCommand(pool, cmd(hostOf(2), "trap '' TERM; sleep 44; sleep 44"), {
      env: {},
      timeoutMs: 300,
      graceMs: 500,
    });
    expect(Date.now() - started).toBeLessThan(300 + 500 + 1000 + 500);
    expect(o.timedOut).toBe(true);
    expect(o.exitCode).toBeNull();
    expect(o.signal).toBe('SIGKILL');
    expect(await until(() => !remotePs(fleet).some((p) => p.args.includes('sleep 44')), 2000)).toBe(
      true,
    );
  });

  it('ends the command when the channel closes although the server refuses the signals (a forced command)', async () => {
    // sshd refuses signal requests for ForceCommand sessions: the close after KILL ends the
    // channel's stdin, and the watcher the remote entry started stops the group.
    const forced = await startFleet({
      hosts: 1,
      sshdOptions: ['ForceCommand eval "$SSH_ORIGINAL_COMMAND"'],
    });
    const own = new SshPool();
    try {
      const h = forced.hosts[0];
      if (!h) throw new Error('fleet');
      const host: HostSpec = { ...hostOf(0), address: h.address, port: h.port };
      host.ssh = {
        ...host.ssh,
        identityFile: forced.identityFile,
        knownHosts: [forced.knownHosts],
      };
      const started = Date.now();
      const o = await runRemoteCommand(own, cmd(host, 'sleep 46'), {
        env: {},
        timeoutMs: 300,
        graceMs: 300,
      });
      expect(Date.now() - started).toBeLessThan(300 + 300 + 1000 + 500);
      expect(o.timedOut).toBe(true);
      expect(
        await until(() => !remotePs(forced).some((p) => p.args.includes('sleep 46')), 5000),
      ).toBe(true);
    } finally {
      await own.close();
      await forced.stop();
    }
    expect(remotePs(fleet).some((p) => p.args.includes('sleep 46'))).toBe(false);
  });

  it('keeps at most 4 channels open on a connection and queues the rest (sshd MaxSessions 4)', async () => {
    const tight = await startFleet({ hosts: 1, sshdOptions: ['MaxSessions 4'] });
    const own = new SshPool();
    try {
      const h = tight.hosts[0];
      if (!h) throw new Error('fleet');
      const host: HostSpec = { ...hostOf(0), address: h.address, port: h.port };
      host.ssh = { ...host.ssh, identityFile: tight.identityFile, knownHosts: [tight.knownHosts] };
      let most = 0;
      let sampling = true;
      const sampler = (async () => {
        for (let i = 0; i < 400 && sampling; i++) {
          most = Math.max(most, remotePs().filter((p) => p.args === 'sleep 0.2').length);
          await sleep(10);
        }
      })();
      const outcomes = await Promise.all(
        Array.from({ length: 16 }, (_, n) =>
          runRemoteCommand(own, cmd(host, `sleep 0.2; echo n${n}`), { env: {}, timeoutMs: 15_000 }),
        ),
      );
      sampling = false;
      await sampler;
      expect(outcomes.map((o) => o.exitCode)).toEqual(Array(16).fill(0));
      expect(outcomes.map((o) => o.outputTail)).toEqual(
        Array.from({ length: 16 }, (_, n) => `n${n}\n`),
      );
      expect(own.connectionsOpened).toBe(1);
      expect(most).toBeGreaterThan(0);
      expect(most).toBeLessThanOrEqual(4);
    } finally {
      await own.close();
      await tight.stop();
    }
  });

  it('authenticates through an ssh-agent (a socket path, or SSH_AUTH_SOCK with agent: true), and fails clearly with a wrong key', async () => {
    pool = new SshPool();
    const sock = join(scratch, 'agent.sock');
    const agent = spawn(AGENT, ['-D', '-a', sock], { stdio: 'ignore' });
    try {
      expect(await until(() => existsSync(sock), 3000)).toBe(true);
      execFileSync(ADD, ['-q', fleet.identityFile], {
        env: { ...process.env, SSH_AUTH_SOCK: sock },
        stdio: 'ignore',
      });
      const viaPath = hostOf(0, { agent: sock });
      delete viaPath.ssh.identityFile;
      const o = await runRemoteCommand(pool, cmd(viaPath, 'echo agent'), {
        env: {},
        timeoutMs: 5000,
      });
      expect(o.outputTail).toBe('agent\n');
      const before = process.env.SSH_AUTH_SOCK;
      process.env.SSH_AUTH_SOCK = sock;
      try {
        const viaEnv = hostOf(1, { agent: true });
        delete viaEnv.ssh.identityFile;
        const e = await runRemoteCommand(pool, cmd(viaEnv, 'echo env-agent'), {
          env: {},
          timeoutMs: 5000,
        });
        expect(e.outputTail).toBe('env-agent\n');
      } finally {
        if (before === undefined) delete process.env.SSH_AUTH_SOCK;
        else process.env.SSH_AUTH_SOCK = before;
      }
    } finally {
      agent.kill('SIGTERM');
    }
    const other = join(scratch, 'other_key');
    execFileSync(KEYGEN, ['-q', '-t', 'ed25519', '-N', '', '-f', other], { stdio: 'ignore' });
    const wrong = await runRemoteCommand(pool, cmd(hostOf(2, { identityFile: other }), 'true'), {
      env: {},
      timeoutMs: 5000,
    });
    expect(wrong.exitCode).toBeNull();
    expect(wrong.error).toMatch(
      /^cannot connect to h3 \(scdeploy@127\.0\.0\.13:\d+\): All configured authentication methods failed/,
    );
  });

  it('refuses an unknown host key with what it is and how to trust it', async () => {
    pool = new SshPool();
    const empty = join(scratch, 'empty_known_hosts');
    writeFileSync(empty, '# nothing\n');
    const h = hostOf(0, { knownHosts: [empty] });
    const o = await runRemoteCommand(pool, cmd(h, 'true'), { env: {}, timeoutMs: 5000 });
    expect(o.exitCode).toBeNull();
    expect(o.error).toContain(`unknown host key for ${h.address} port ${h.port}`);
    expect(o.error).toMatch(/ssh-ed25519 key SHA256:[A-Za-z0-9+/]{43}/);
    expect(o.error).toContain(`ssh-keyscan -p ${h.port} ${h.address} >> ${empty}`);
    const thrown = await pool.exec(h, 'true').catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(HostKeyError);
    expect((thrown as HostKeyError).verdict).toBe('unknown');
    expect(pool.connectionsOpened).toBe(0);
  });

  it('refuses a mismatching host key loudly, and a revoked one', async () => {
    pool = new SshPool();
    const h0 = fleet.hosts[0];
    const h1 = fleet.hosts[1];
    if (!h0 || !h1) throw new Error('fleet');
    const lines = readFileSync(fleet.knownHosts, 'utf8').trim().split('\n');
    const keyOf1 = (lines[1] ?? '').split(' ').slice(1).join(' ');
    const wrong = join(scratch, 'wrong_known_hosts');
    writeFileSync(wrong, `[${h0.address}]:${h0.port} ${keyOf1}\n`);
    const o = await runRemoteCommand(pool, cmd(hostOf(0, { knownHosts: [wrong] }), 'true'), {
      env: {},
      timeoutMs: 5000,
    });
    expect(o.error).toMatch(/^HOST KEY MISMATCH for 127\.0\.0\.11 port \d+/);
    const keyOf0 = (lines[0] ?? '').split(' ').slice(1).join(' ');
    const revoked = join(scratch, 'revoked_known_hosts');
    writeFileSync(revoked, `@revoked * ${keyOf0}\n${lines[0]}\n`);
    const r = await runRemoteCommand(pool, cmd(hostOf(0, { knownHosts: [revoked] }), 'true'), {
      env: {},
      timeoutMs: 5000,
    });
    expect(r.error).toMatch(/marked @revoked/);
    expect(pool.connectionsOpened).toBe(0);
  });

  it('accepts a hashed known_hosts entry (and a port-22 style name does not match another port)', async () => {
    pool = new SshPool();
    const h0 = fleet.hosts[0];
    if (!h0) throw new Error('fleet');
    const line0 = readFileSync(fleet.knownHosts, 'utf8').split('\n')[0] ?? '';
    const key = line0.split(' ').slice(1).join(' ');
    const salt = randomBytes(20);
    const hash = createHmac('sha1', salt).update(`[${h0.address}]:${h0.port}`).digest();
    const hashed = join(scratch, 'hashed_known_hosts');
    writeFileSync(
      hashed,
      `# hashed\n|1|${salt.toString('base64')}|${hash.toString('base64')} ${key}\n`,
    );
    const o = await runRemoteCommand(pool, cmd(hostOf(0, { knownHosts: [hashed] }), 'echo ok'), {
      env: {},
      timeoutMs: 5000,
    });
    expect(o.outputTail).toBe('ok\n');
    // ssh-keygen -H hashes a file the same way; its result is accepted by verifyHostKey too.
    const plain = join(scratch, 'to_hash');
    writeFileSync(plain, `${h0.address},other ${key}\n`);
    execFileSync(KEYGEN, ['-H', '-f', plain], { stdio: 'ignore' });
    const blob = Buffer.from(key.split(' ')[1] ?? '', 'base64');
    expect(await verifyHostKey([plain], h0.address, 22, blob)).toBe('ok');
    expect(await verifyHostKey([plain], h0.address, h0.port, blob)).toBe('unknown');
  });

  it('a host that stops answering mid-command gives lost: true within the keepalive bound', async () => {
    pool = new SshPool();
    const h = fleet.hosts[1];
    if (!h) throw new Error('fleet');
    // Six commands: four run (the channel cap), two wait for a channel; all six end lost.
    const all = Promise.all(
      [1, 2, 3, 4, 5, 6].map((n) =>
        runRemoteCommand(pool, cmd(hostOf(1), `sleep 45; echo never ${n}`), {
          env: {},
          timeoutMs: 20_000,
        }),
      ),
    );
    expect(await until(() => remotePs(fleet).some((p) => p.args.includes('sleep 45')), 3000)).toBe(
      true,
    );
    // Freeze the host's sshd and its sessions: keepalives go unanswered (300 ms x 3).
    const frozen = processTree(h.pid).filter((p) => {
      try {
        return readFileSync(`/proc/${p}/comm`, 'latin1').trim() === 'sshd';
      } catch {
        return false;
      }
    });
    frozen.forEach((p) => process.kill(p, 'SIGSTOP'));
    const cut = Date.now();
    const outcomes = await all;
    const took = Date.now() - cut;
    const o = outcomes[0];
    if (!o) throw new Error('no outcome');
    expect(outcomes.map((x) => x.lost)).toEqual([true, true, true, true, true, true]);
    frozen.forEach((p) => {
      try {
        process.kill(p, 'SIGCONT');
      } catch {
        // gone
      }
    });
    expect(o.lost).toBe(true);
    expect(o.exitCode).toBeNull();
    expect(o.error).toMatch(/^connection to h2 .* lost/);
    expect(took).toBeLessThan(300 * 4 + 1500);
    // The next use reconnects.
    const again = await runRemoteCommand(pool, cmd(hostOf(1), 'echo back'), {
      env: {},
      timeoutMs: 5000,
    });
    expect(again.outputTail).toBe('back\n');
    expect(pool.connectionsOpened).toBe(2);
  });
});

describe.skipIf(why !== undefined)('remote processes against real sshd', () => {
  let project: string;
  beforeAll(async () => {
    fleet = await startFleet({ hosts: 1 });
    project = `p${randomBytes(4).toString('hex')}`;
  });
  afterAll(async () => {
    await pool?.close();
    await fleet?.stop();
    if (project) rmSync(join(fleet.home, '.stagecraft', project), { recursive: true, force: true });
  });

  it('starts a service detached in its own group, with env on stdin only, and stops it only while its record is proven', async () => {
    pool = new SshPool();
    const secret = `svc-secret-${randomBytes(8).toString('hex')}`;
    const ref = { host: hostOf(0), project, environment: 'staging', service: 'web' };
    const rec = await startRemote(pool, ref, {
      run: 'echo "web up on $PORT, token length ${#TOKEN}"; sleep 47 & wait',
      cwd: '/tmp',
      env: { PORT: '8080', TOKEN: secret },
    });
    expect(rec.pid).toBeGreaterThan(1);
    expect(await remoteAlive(pool, ref)).toBe(true);
    const ps = remotePs(fleet);
    const leader = ps.find((p) => p.pid === rec.pid);
    expect(leader?.pgid).toBe(rec.pid);
    expect(ps.some((p) => p.pgid === rec.pid && p.args === 'sleep 47')).toBe(true);
    expect(ps.map((p) => p.args).join('\n')).not.toContain(secret);
    // The variables are in the service's environment (and only there).
    expect(readFileSync(`/proc/${rec.pid}/environ`, 'latin1')).toContain(`TOKEN=${secret}`);
    const base = join(fleet.home, '.stagecraft', project, 'staging');
    expect(JSON.parse(readFileSync(join(base, 'run', 'web.json'), 'utf8'))).toEqual(rec);
    expect(
      await until(
        () => readFileSync(join(base, 'logs', 'web.log'), 'utf8').includes('web up'),
        2000,
      ),
    ).toBe(true);
    expect(await remoteLogTail(pool, ref, 5)).toBe(
      `web up on 8080, token length ${secret.length}\n`,
    );
    expect(await listRemote(pool, ref.host, project, 'staging')).toEqual([
      { service: 'web', pid: rec.pid, alive: true },
    ]);
    for (const f of filesUnder(fleet.home)) expect(readFileSync(f, 'latin1')).not.toContain(secret);
    await expect(startRemote(pool, ref, { run: 'sleep 1', cwd: '', env: {} })).rejects.toThrow(
      /already running/,
    );

    // A record whose start time does not match is never signalled.
    const real = readFileSync(join(base, 'run', 'web.json'), 'utf8');
    writeFileSync(
      join(base, 'run', 'web.json'),
      JSON.stringify({ pid: rec.pid, procStart: rec.procStart + 1 }),
    );
    expect(await stopRemote(pool, ref, { graceMs: 500 })).toBe('stale-record');
    expect(remotePs(fleet).some((p) => p.pid === rec.pid)).toBe(true);

    writeFileSync(join(base, 'run', 'web.json'), real);
    expect(await stopRemote(pool, ref, { graceMs: 1000 })).toBe('stopped');
    expect(await until(() => !remotePs(fleet).some((p) => p.pgid === rec.pid), 2000)).toBe(true);
    expect(await remoteAlive(pool, ref)).toBe(false);
    expect(await stopRemote(pool, ref)).toBe('not-running');
    expect(await listRemote(pool, ref.host, project, 'staging')).toEqual([]);
  });

  it('KILLs a service that ignores TERM after the grace', async () => {
    pool = new SshPool();
    const ref = { host: hostOf(0), project, environment: 'staging', service: 'stubborn' };
    const rec = await startRemote(pool, ref, { run: "trap '' TERM; sleep 48", cwd: '', env: {} });
    const started = Date.now();
    expect(await stopRemote(pool, ref, { graceMs: 400 })).toBe('killed');
    expect(Date.now() - started).toBeLessThan(400 + 2000);
    expect(await until(() => !remotePs(fleet).some((p) => p.pgid === rec.pid), 2000)).toBe(true);
  });
});
