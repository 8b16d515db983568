/**
 * Hosts that can be cut off (shared/notes/fleet-and-team-state.md A.3, B.5): a controller network
 * namespace `sc-ctl-<id>` owning a bridge 10.200.<x>.1/24, and one namespace per host with a veth
 * pair (`eth0` = 10.200.<x>.2N inside the host, `v<id>nN` on the bridge) and a real sshd
 * (`sshd -D -e`) listening on 10.200.<x>.2N:22. `cut(host)` unplugs the host at the switch (the
 * client sees clean silence), `restore(host)` plugs it back in. Code that talks to the hosts runs
 * inside the controller namespace (`ctlExec`), so traffic goes only to this run's own addresses.
 *
 * Names carry a random id, so several test files can each have their own; teardown kills every
 * process in the run's namespaces (the sshds first), then deletes the namespaces.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEPLOY_USER,
  FLEET_VAR,
  KEYGEN,
  ensureUser,
  fleetProcesses,
  fleetUnavailable,
  run,
} from './sshd-harness.js';

const SSHD = '/usr/sbin/sshd';
const IP = 'ip';

/** One host of a netns fleet. */
export interface NetnsHost {
  name: string;
  /** Its namespace. */
  ns: string;
  address: string;
  /** The controller side of its veth pair (what `cut` takes down). */
  link: string;
  /** What its sshd wrote to stderr so far (bounded). */
  log(): string;
}

/** A fleet of cut-off-able hosts. */
export interface NetnsFleet {
  id: string;
  /** The controller namespace: run the CLI in it. */
  ctl: string;
  hosts: NetnsHost[];
  user: string;
  identityFile: string;
  knownHosts: string;
  home: string;
  dir: string;
  /** Unplugs `host` at the switch. */
  cut(host: NetnsHost): void;
  /** Plugs `host` back in. */
  restore(host: NetnsHost): void;
  /** The program and arguments that run `argv` inside the controller namespace. */
  ctlExec(argv: string[]): { file: string; args: string[] };
  /** The command lines of the processes in `host`'s namespace. */
  hostProcesses(host: NetnsHost): string[];
  stop(): Promise<void>;
}

/** Why netns tests cannot run here, or undefined when they can (tries one namespace). */
export function netnsUnavailable(): string | undefined {
  const sshd = fleetUnavailable();
  if (sshd !== undefined) return sshd;
  if (spawnSync(IP, ['-V'], { stdio: 'ignore' }).error) return 'ip (iproute2) is missing';
  const probe = `sc-p-${randomBytes(3).toString('hex')}`;
  const r = spawnSync(IP, ['netns', 'add', probe], { encoding: 'utf8' });
  if (r.status !== 0)
    return `\`ip netns add\` is not permitted here: ${(r.stderr || r.error?.message || '').trim()}`;
  spawnSync(IP, ['netns', 'del', probe], { stdio: 'ignore' });
  return undefined;
}

const ip = (...args: string[]): string => run(IP, args);

/** The pids of every process in namespace `ns` (none when it does not exist). */
function nsPids(ns: string): number[] {
  const r = spawnSync(IP, ['netns', 'pids', ns], { encoding: 'utf8' });
  if (r.status !== 0) return [];
  return r.stdout
    .split('\n')
    .filter((l) => /^\d+$/.test(l.trim()))
    .map(Number);
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

/** Resolves once `child`'s stderr says it listens (bounded: `ms`); its stderr so far. */
function waitListening(child: ChildProcess, stderr: () => string, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      clearInterval(poll);
      reject(new Error(`sshd did not listen within ${ms} ms:\n${stderr()}`));
    }, ms);
    const poll = setInterval(() => {
      if (/Server listening on/.test(stderr())) {
        clearTimeout(timer);
        clearInterval(poll);
        resolve();
      } else if (child.exitCode !== null) {
        clearTimeout(timer);
        clearInterval(poll);
        reject(new Error(`sshd exited (${child.exitCode}):\n${stderr()}`));
      }
    }, 20);
  });
}

/** Creates the namespaces and starts `hosts` sshds (1–9); call `stop()` in afterAll. */
export async function startNetnsFleet(options: { hosts: number }): Promise<NetnsFleet> {
  if (options.hosts < 1 || options.hosts > 9) throw new Error('1 to 9 hosts');
  const home = ensureUser();
  // 6 hex chars: interface names stay ≤ 15 characters (`v` + id + `nN`, `b` + id).
  const id = randomBytes(3).toString('hex');
  const net = `10.200.${randomInt(1, 255)}`;
  const ctl = `sc-ctl-${id}`;
  const bridge = `b${id}`;
  const fleetId = `netns-${id}-${process.pid}`;
  mkdirSync(join(tmpdir(), 'stagecraft-fleet'), { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), 'stagecraft-fleet', 'n-'));
  chmodSync(dir, 0o755);
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });

  const namespaces: string[] = [];
  const children: ChildProcess[] = [];
  const hosts: NetnsHost[] = [];
  const stop = async (): Promise<void> => {
    // The sshds first (listeners, then every session process left in the host namespaces).
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
    for (let i = 0; i < 40; i++) {
      const left = [
        ...namespaces.flatMap(nsPids),
        ...fleetProcesses(fleetId),
        ...children.flatMap((c) => (c.exitCode === null && c.signalCode === null ? [c.pid] : [])),
      ].filter((p): p is number => p !== undefined && p !== process.pid);
      if (left.length === 0) break;
      for (const pid of left) {
        try {
          process.kill(pid, i < 5 ? 'SIGTERM' : 'SIGKILL');
        } catch {
          // gone
        }
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    // Host namespaces first; deleting one removes its veth pair, the controller's last.
    for (const ns of [...namespaces].reverse())
      spawnSync(IP, ['netns', 'del', ns], { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    const identityFile = join(dir, 'id_ed25519');
    run(KEYGEN, ['-q', '-t', 'ed25519', '-N', '', '-C', 'stagecraft-test', '-f', identityFile]);
    const authorized = join(dir, 'authorized_keys');
    writeFileSync(authorized, readFileSync(`${identityFile}.pub`));
    chmodSync(authorized, 0o644);

    ip('netns', 'add', ctl);
    namespaces.push(ctl);
    ip('-n', ctl, 'link', 'set', 'lo', 'up');
    ip('-n', ctl, 'link', 'add', bridge, 'type', 'bridge');
    ip('-n', ctl, 'addr', 'add', `${net}.1/24`, 'dev', bridge);
    ip('-n', ctl, 'link', 'set', bridge, 'up');
    const known: string[] = [];
    for (let i = 1; i <= options.hosts; i++) {
      const name = `h${i}`;
      const ns = `sc-${id}-n${i}`;
      const link = `v${id}n${i}`;
      const address = `${net}.2${i}`;
      ip('netns', 'add', ns);
      namespaces.push(ns);
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      ip('-n', ctl, 'link', 'add', link, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
      ip('-n', ctl, 'link', 'set', link, 'master', bridge, 'up');
      ip('-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0');
      ip('-n', ns, 'link', 'set', 'eth0', 'up');

      const hostDir = join(dir, name);
      mkdirSync(hostDir);
      const hostKey = join(hostDir, 'ssh_host_ed25519_key');
      run(KEYGEN, ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
      const config = join(hostDir, 'sshd_config');
      writeFileSync(
        config,
        [
          `ListenAddress ${address}:22`,
          `HostKey ${hostKey}`,
          `PidFile none`,
          `AuthorizedKeysFile ${authorized}`,
          `PubkeyAuthentication yes`,
          `PasswordAuthentication no`,
          `KbdInteractiveAuthentication no`,
          `UsePAM no`,
          `StrictModes no`,
          `MaxSessions 64`,
          `MaxStartups 64:30:128`,
          `SetEnv ${FLEET_VAR}=${fleetId}`,
          '',
        ].join('\n'),
      );
      const child = spawn(IP, ['netns', 'exec', ns, SSHD, '-D', '-e', '-f', config], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      children.push(child);
      let stderr = '';
      child.stderr?.on('data', (d: Buffer) => {
        if (stderr.length < 64 * 1024) stderr += d.toString();
      });
      await waitListening(child, () => stderr, 5000);
      hosts.push({ name, ns, address, link, log: () => stderr });
      // Port 22: a known_hosts line without brackets (a `[addr]` entry is not matched).
      const pub = readFileSync(`${hostKey}.pub`, 'utf8').split(' ').slice(0, 2).join(' ');
      known.push(`${address} ${pub}`);
    }
    const knownHosts = join(dir, 'known_hosts');
    writeFileSync(knownHosts, `${known.join('\n')}\n`);
    return {
      id: fleetId,
      ctl,
      hosts,
      user: DEPLOY_USER,
      identityFile,
      knownHosts,
      home,
      dir,
      cut: (h) => void ip('-n', ctl, 'link', 'set', h.link, 'down'),
      restore: (h) => void ip('-n', ctl, 'link', 'set', h.link, 'up'),
      ctlExec: (argv) => ({ file: IP, args: ['netns', 'exec', ctl, ...argv] }),
      hostProcesses: (h) => nsPids(h.ns).map(cmdline),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The namespaces of fleet `id` still there (none after `stop()`). */
export function leftovers(id: string): string[] {
  if (!existsSync('/run/netns')) return [];
  const short = id.split('-')[1] ?? id;
  return run(IP, ['netns', 'list'])
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n.includes(short));
}
