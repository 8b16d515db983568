/**
 * A fleet of real sshd servers on loopback addresses (127.0.0.11, .12, ...) for the SSH tests,
 * each a child of this process (`sshd -D -e`), logging in as a non-root deploy user `scdeploy`
 * (root sessions refuse signal requests: shared/notes/fleet-and-team-state.md A.5, B.4).
 *
 * Every session of a fleet carries STAGECRAFT_TEST_FLEET=<id> (sshd SetEnv): stop() kills the
 * processes of scdeploy that carry its own id, so two test files' fleets never kill each other's.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The non-root deploy user every harness logs in as. */
export const DEPLOY_USER = 'scdeploy';
const SSHD = '/usr/sbin/sshd';
/** Programs run by name (held in constants: they are system tools, not npm binaries). */
export const KEYGEN = 'ssh-keygen';
const USERADD = 'useradd';
/** The sshd SetEnv variable that marks a fleet's sessions (its value: the fleet id). */
export const FLEET_VAR = 'STAGECRAFT_TEST_FLEET';

interface FleetHost {
  name: string;
  address: string;
  port: number;
  /** The sshd listener's pid. */
  pid: number;
  /** What sshd wrote to stderr so far (bounded), for failure messages. */
  log(): string;
}

export interface Fleet {
  id: string;
  hosts: FleetHost[];
  user: string;
  identityFile: string;
  knownHosts: string;
  /** The deploy user's home folder. */
  home: string;
  dir: string;
  stop(): Promise<void>;
}

/** Why SSH tests cannot run here, or undefined when they can. */
export function fleetUnavailable(): string | undefined {
  if (!existsSync(SSHD)) return `${SSHD} is missing (install openssh-server)`;
  if (process.getuid?.() !== 0) return 'the sshd harness needs root (it creates the deploy user)';
  if (spawnSync(KEYGEN, ['-?'], { stdio: 'ignore' }).error)
    return 'ssh-keygen is missing (install openssh-client)';
  return undefined;
}

/** Runs a system tool; its stdout, or throws with its stderr. */
export function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr || r.error?.message}`);
  return r.stdout;
}

let userHome: string | undefined;

/** Creates the deploy user once (idempotent across processes): its home folder. */
export function ensureUser(): string {
  if (userHome !== undefined) return userHome;
  if (spawnSync('id', [DEPLOY_USER], { stdio: 'ignore' }).status !== 0) {
    const r = spawnSync(USERADD, ['-m', '-s', '/bin/sh', DEPLOY_USER], { encoding: 'utf8' });
    // Another test process may have created it meanwhile (exit 9: already exists).
    if (r.status !== 0 && r.status !== 9) throw new Error(`useradd failed: ${r.stderr}`);
  }
  // A locked '!' password makes sshd (UsePAM no) refuse even key authentication.
  run('usermod', ['-p', '*', DEPLOY_USER]);
  userHome = run('getent', ['passwd', DEPLOY_USER]).split(':')[5] ?? `/home/${DEPLOY_USER}`;
  return userHome;
}

async function freePort(address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, address, () => {
      const a = server.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once the server's SSH banner can be read (bounded: `ms`). */
async function waitBanner(address: string, port: number, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (let i = 0; i < 200 && Date.now() < deadline; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host: address, port });
      const t = setTimeout(() => (s.destroy(), resolve(false)), 500);
      s.once('data', (d: Buffer) => {
        clearTimeout(t);
        s.destroy();
        resolve(d.toString('latin1').startsWith('SSH-'));
      });
      s.once('error', () => {
        clearTimeout(t);
        resolve(false);
      });
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`sshd on ${address}:${port} showed no banner within ${ms} ms`);
}

/** The pids of scdeploy's processes whose environment carries fleet `id`. */
export function fleetProcesses(id: string): number[] {
  const uid = Number(run('id', ['-u', DEPLOY_USER]).trim());
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, 'latin1');
      const m = /^Uid:\s+(\d+)/m.exec(status);
      if (Number(m?.[1]) !== uid) continue;
      const environ = readFileSync(`/proc/${entry}/environ`, 'latin1');
      if (environ.split('\0').includes(`${FLEET_VAR}=${id}`)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/**
 * Start `hosts` sshd servers; `sshdOptions` lines come first in each config (they override the
 * harness's settings: no `Match` blocks).
 */
export async function startFleet(options: {
  hosts: number;
  sshdOptions?: string[];
}): Promise<Fleet> {
  if (options.hosts < 1 || options.hosts > 9) throw new Error('1 to 9 hosts');
  const home = ensureUser();
  const id = randomUUID();
  mkdirSync(join(tmpdir(), 'stagecraft-fleet'), { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), 'stagecraft-fleet', 'f-'));
  // sshd reads authorized_keys as the deploy user: the folder must be traversable.
  chmodSync(dir, 0o755);
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const identityFile = join(dir, 'id_ed25519');
  run(KEYGEN, ['-q', '-t', 'ed25519', '-N', '', '-C', 'stagecraft-test', '-f', identityFile]);
  const authorized = join(dir, 'authorized_keys');
  writeFileSync(authorized, readFileSync(`${identityFile}.pub`));
  chmodSync(authorized, 0o644);

  const children: ChildProcess[] = [];
  const hosts: FleetHost[] = [];
  const known: string[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            const t = setTimeout(() => c.kill('SIGKILL'), 2000);
            c.once('exit', () => (clearTimeout(t), resolve()));
            c.kill('SIGCONT');
            c.kill('SIGTERM');
          }),
      ),
    );
    for (let i = 0; i < 20; i++) {
      const left = fleetProcesses(id);
      if (left.length === 0) break;
      for (const pid of left) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 1; i <= options.hosts; i++) {
      const name = `h${i}`;
      const address = `127.0.0.1${i}`;
      const hostDir = join(dir, name);
      mkdirSync(hostDir);
      const hostKey = join(hostDir, 'ssh_host_ed25519_key');
      run(KEYGEN, ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
      const port = await freePort(address);
      const config = join(hostDir, 'sshd_config');
      writeFileSync(
        config,
        [
          // First: sshd keeps the first value of a keyword, so these override the defaults below.
          ...(options.sshdOptions ?? []),
          `ListenAddress ${address}:${port}`,
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
          `SetEnv ${FLEET_VAR}=${id}`,
          `Subsystem sftp /usr/lib/openssh/sftp-server`,
          '',
        ].join('\n'),
      );
      const child = spawn(SSHD, ['-D', '-e', '-f', config], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr?.on('data', (d: Buffer) => {
        if (stderr.length < 64 * 1024) stderr += d.toString();
      });
      children.push(child);
      try {
        await waitBanner(address, port, 5000);
      } catch (error) {
        throw new Error(`${(error as Error).message}\n${stderr}`);
      }
      hosts.push({ name, address, port, pid: child.pid ?? 0, log: () => stderr });
      const pub = readFileSync(`${hostKey}.pub`, 'utf8').split(' ').slice(0, 2).join(' ');
      known.push(`[${address}]:${port} ${pub}`);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  const knownHosts = join(dir, 'known_hosts');
  writeFileSync(knownHosts, `${known.join('\n')}\n`);
  return { id, hosts, user: DEPLOY_USER, identityFile, knownHosts, home, dir, stop };
}

/**
 * The deploy user's live processes now: pid, process group and command line (`ps`). Zombies are
 * left out: a detached process's parent is init, which in a container may reap it late.
 */
export function remotePs(_fleet?: Fleet): Array<{ pid: number; pgid: number; args: string }> {
  const r = spawnSync('ps', ['-u', DEPLOY_USER, '-o', 'pid=,pgid=,stat=,args='], {
    encoding: 'utf8',
  });
  return r.stdout
    .split('\n')
    .map((l) => /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null && !(m[3] ?? '').startsWith('Z'))
    .map((m) => ({ pid: Number(m[1]), pgid: Number(m[2]), args: m[4] ?? '' }));
}

/** The pid and every descendant of it (from /proc ppid links). */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone
    }
  }
  const out: number[] = [];
  const todo = [root];
  while (todo.length > 0 && out.length < 10_000) {
    const pid = todo.pop() as number;
    out.push(pid);
    todo.push(...(children.get(pid) ?? []));
  }
  return out;
}
