// `npm run bench` (last): a fleet deploy of N loopback "hosts" (20, 100, 200), stagecraft against
// Ansible, on the same hosts with the same activation, in batches of 25 %.
//
// The hosts: OpenSSH servers on 127.0.1.1 … 127.0.1.200, one port, a non-root deploy user
// `scbench` (created with useradd if missing), a client ed25519 key and a known_hosts line per
// address. sshd accepts at most 16 ListenAddress lines (MAX_LISTEN_SOCKS), so 200 addresses take
// 13 sshd processes (16 addresses each), all logging to one file; "connections" counts its
// `Accepted publickey` lines during a run.
//
// Each run is measured under /usr/bin/time (wall from this process, CPU = user+sys of the
// command and every child it waited for, peak RSS = the largest single process); without
// /usr/bin/time, bash's `times` gives the CPU and /proc/<pid>/status VmHWM the CLI's peak RSS.
// Each tool runs BENCH_FLEET_RUNS times (default 2) per size, alternating; the table shows the
// run with the lower wall time. BENCH_FLEET_SIZES=20,100 picks the sizes (at most 255),
// BENCH_FLEET_DEBUG=1 prints each run's output. Prints markdown. Skips (exit 0) with the reason
// when not root, or sshd, ssh-keygen or ansible-playbook is missing. Stops everything it started
// and removes its temp folders, also on error.
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { connect, createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { clearInterval, clearTimeout, setInterval } from 'node:timers';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(root, 'bin', 'stagecraft.js');
const SSHD = '/usr/sbin/sshd';
const TIME = '/usr/bin/time';
const USER = 'scbench';
/** System tools run by name (constants: they are not npm binaries, for knip). */
const USERADD = 'useradd';
const SIZES = (process.env.BENCH_FLEET_SIZES ?? '20,100,200').split(',').map(Number);
const RUNS = Number(process.env.BENCH_FLEET_RUNS ?? 2);
/** sshd's MAX_LISTEN_SOCKS. */
const PER_SSHD = 16;
/** Per run: a deploy that takes longer than this is killed and reported as failed. */
const RUN_TIMEOUT_MS = 300_000;
const ACTIVATE = 'echo ok >/dev/null; mkdir -p rel/r1';

/**
 * Ctrl-C / SIGTERM: the running command's process group (it runs in its own: /usr/bin/time
 * dies of SIGTERM without passing it on) is stopped, then main's finally cleans up.
 */
let interrupted;
let current;
const killGroup = (child, sig) => {
  try {
    process.kill(-child.pid, sig);
  } catch {
    // gone
  }
};
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    interrupted = sig;
    if (current === undefined) return;
    killGroup(current, 'SIGTERM');
    const c = current;
    setTimeout(() => killGroup(c, 'SIGKILL'), 5000).unref();
  });
}

const onPath = (cmd) =>
  (process.env.PATH ?? '').split(':').some((d) => d !== '' && existsSync(join(d, cmd)));

function unavailable() {
  if (process.getuid?.() !== 0) return 'not root (it creates the deploy user scbench)';
  if (!existsSync(SSHD)) return `${SSHD} is missing (apt-get install -y openssh-server)`;
  if (!onPath('ssh-keygen') || !onPath('ssh'))
    return 'ssh / ssh-keygen are missing (apt-get install -y openssh-client)';
  if (!onPath('ansible-playbook'))
    return 'ansible-playbook is missing (apt-get install -y ansible)';
  if (!existsSync(join(root, 'dist'))) return 'dist/ is missing (npm run build)';
  return undefined;
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr || r.error?.message}`);
  return r.stdout;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function ensureUser() {
  if (spawnSync('id', [USER], { stdio: 'ignore' }).status !== 0) {
    const r = spawnSync(USERADD, ['-m', '-s', '/bin/sh', USER], { encoding: 'utf8' });
    if (r.status !== 0 && r.status !== 9) throw new Error(`useradd failed: ${r.stderr}`);
  }
  // A locked '!' password makes sshd (UsePAM no) refuse even key authentication.
  run('usermod', ['-p', '*', USER]);
  const [, , uid, , , home] = run('getent', ['passwd', USER]).trim().split(':');
  return { uid: Number(uid), home };
}

async function freePort() {
  // Free on 127.0.1.1; the other addresses are unused by anything else here.
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.1.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitBanner(host, port, ms) {
  const deadline = Date.now() + ms;
  for (let i = 0; i < 400 && Date.now() < deadline; i++) {
    const ok = await new Promise((resolve) => {
      const s = connect({ host, port });
      const t = setTimeout(() => (s.destroy(), resolve(false)), 500);
      s.once(
        'data',
        (d) => (clearTimeout(t), s.destroy(), resolve(d.toString().startsWith('SSH-'))),
      );
      s.once('error', () => (clearTimeout(t), resolve(false)));
    });
    if (ok) return;
    await sleep(25);
  }
  throw new Error(`sshd on ${host}:${port} showed no banner within ${ms} ms`);
}

/** Pids whose command line contains `needle` (for the ControlPersist masters Ansible leaves). */
function pidsWith(needle) {
  const out = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${e}/cmdline`, 'latin1').includes(needle)) out.push(Number(e));
    } catch {
      // gone
    }
  }
  return out;
}

function pidsOfUid(uid) {
  const out = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const m = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${e}/status`, 'latin1'));
      if (Number(m?.[1]) === uid) out.push(Number(e));
    } catch {
      // gone
    }
  }
  return out;
}

async function killAll(pids) {
  for (let i = 0; i < 20 && pids().length > 0; i++) {
    for (const pid of pids()) {
      try {
        process.kill(pid, i < 5 ? 'SIGTERM' : 'SIGKILL');
      } catch {
        // gone
      }
    }
    await sleep(50);
  }
}

/** The sshd fleet: `count` addresses 127.0.1.1 … on one port. */
async function startHosts(dir, count, user) {
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const identityFile = join(dir, 'id_ed25519');
  run('ssh-keygen', [
    '-q',
    '-t',
    'ed25519',
    '-N',
    '',
    '-C',
    'stagecraft-bench',
    '-f',
    identityFile,
  ]);
  const authorized = join(dir, 'authorized_keys');
  writeFileSync(authorized, readFileSync(`${identityFile}.pub`));
  chmodSync(authorized, 0o644);
  const hostKey = join(dir, 'ssh_host_ed25519_key');
  run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
  const hostPub = readFileSync(`${hostKey}.pub`, 'utf8').split(' ').slice(0, 2).join(' ');
  const port = await freePort();
  const addresses = Array.from({ length: count }, (_, i) => `127.0.1.${i + 1}`);
  const knownHosts = join(dir, 'known_hosts');
  writeFileSync(knownHosts, addresses.map((a) => `[${a}]:${port} ${hostPub}\n`).join(''));
  const logFile = join(dir, 'sshd.log');
  const logFd = openSync(logFile, 'a');
  const children = [];
  const stop = async () => {
    await Promise.all(
      children.map(
        (c) =>
          new Promise((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            const t = setTimeout(() => c.kill('SIGKILL'), 2000);
            c.once('exit', () => (clearTimeout(t), resolve()));
            c.kill('SIGTERM');
          }),
      ),
    );
    // Connection processes outlive their listener: end the deploy user's leftovers.
    await killAll(() => pidsOfUid(user.uid));
    closeSync(logFd);
  };
  try {
    for (let i = 0; i < count; i += PER_SSHD) {
      const mine = addresses.slice(i, i + PER_SSHD);
      const config = join(dir, `sshd_config.${i / PER_SSHD}`);
      writeFileSync(
        config,
        [
          ...mine.map((a) => `ListenAddress ${a}:${port}`),
          `HostKey ${hostKey}`,
          'PidFile none',
          `AuthorizedKeysFile ${authorized}`,
          'PubkeyAuthentication yes',
          'PasswordAuthentication no',
          'KbdInteractiveAuthentication no',
          'UsePAM no',
          'StrictModes no',
          'MaxSessions 64',
          'MaxStartups 200:30:400',
          `AllowUsers ${USER}`,
          '',
        ].join('\n'),
      );
      children.push(
        spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', logFd] }),
      );
    }
    for (let i = 0; i < count; i += PER_SSHD) await waitBanner(addresses[i], port, 5000);
    await waitBanner(addresses[count - 1], port, 5000);
  } catch (error) {
    await stop();
    throw new Error(`${error.message}\n${readFileSync(logFile, 'utf8').slice(-4000)}`);
  }
  const accepted = () =>
    (readFileSync(logFile, 'utf8').match(/Accepted publickey for /g) ?? []).length;
  return {
    port,
    addresses,
    identityFile,
    knownHosts,
    logFile,
    accepted,
    stop,
    sshds: children.length,
  };
}

/**
 * Runs `cmd args` to completion; wall (ms, this process's clock), cpuMs (user+sys of it and every
 * child it waited for), rssKb (largest single process).
 */
async function measure(cmd, args, { cwd, env, scratch }) {
  const timeFile = join(scratch, `time-${process.hrtime.bigint()}`);
  const useTime = existsSync(TIME);
  const argv = useTime
    ? [TIME, ['-f', '%U %S %M', '-o', timeFile, cmd, ...args]]
    : [
        'bash',
        [
          '-c',
          '"$@" & p=$!; echo $p > "$BENCH_PID"; wait $p; rc=$?; times > "$BENCH_TIMES"; exit $rc',
          'bash',
          cmd,
          ...args,
        ],
      ];
  const t0 = process.hrtime.bigint();
  const child = spawn(argv[0], argv[1], {
    cwd,
    env: { ...env, BENCH_PID: `${timeFile}.pid`, BENCH_TIMES: timeFile },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  const keep = (d) => {
    out += d.toString();
    if (out.length > 1 << 20) out = out.slice(-(1 << 19));
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let hwm = 0;
  const poll = useTime
    ? undefined
    : setInterval(() => {
        try {
          const pid = readFileSync(`${timeFile}.pid`, 'utf8').trim();
          const m = /^VmHWM:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
          if (m) hwm = Math.max(hwm, Number(m[1]));
        } catch {
          // not yet, or gone
        }
      }, 20);
  current = child;
  const killer = setTimeout(() => killGroup(child, 'SIGKILL'), RUN_TIMEOUT_MS);
  const code = await new Promise((resolve) => child.on('close', (c, s) => resolve(c ?? s)));
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  current = undefined;
  clearTimeout(killer);
  if (poll) clearInterval(poll);
  let cpuMs = NaN;
  let rssKb = hwm || NaN;
  try {
    const text = readFileSync(timeFile, 'utf8').trim();
    if (useTime) {
      const [u, s, m] = text.split('\n').pop().split(' ').map(Number);
      cpuMs = (u + s) * 1000;
      rssKb = m;
    } else {
      // `times`: the shell's own line, then its children's: "0m1.234s 0m0.567s".
      const secs = (t) => {
        const m = /(\d+)m([\d.]+)s/.exec(t);
        return Number(m[1]) * 60 + Number(m[2]);
      };
      const [u, s] = text.split('\n')[1].trim().split(/\s+/);
      cpuMs = (secs(u) + secs(s)) * 1000;
    }
  } catch {
    // no figures: reported as NaN
  }
  rmSync(timeFile, { force: true });
  rmSync(`${timeFile}.pid`, { force: true });
  return { code, ms, cpuMs, rssKb, out };
}

function stagecraftProject(dir, hosts, n) {
  mkdirSync(dir, { recursive: true });
  const lines = hosts.addresses
    .slice(0, n)
    .map(
      (a, i) => `  h${i + 1}: { address: ${a}, port: ${hosts.port}, user: ${USER}, roles: [web] }`,
    );
  writeFileSync(
    join(dir, 'stagecraft.config.yaml'),
    `name: fleet-bench-${n}
hosts:
${lines.join('\n')}
ssh:
  identityFile: ${hosts.identityFile}
  knownHosts: ${hosts.knownHosts}
services:
  app:
    on: web
    activate: '${ACTIVATE}'
    rollout: { batch: "25%" }
`,
  );
}

function ansibleProject(dir, hosts, n) {
  mkdirSync(join(dir, 'cp'), { recursive: true });
  const lines = hosts.addresses.slice(0, n).map((a, i) => `h${i + 1} ansible_host=${a}`);
  writeFileSync(
    join(dir, 'inventory.ini'),
    `[web]
${lines.join('\n')}

[web:vars]
ansible_port=${hosts.port}
ansible_user=${USER}
ansible_ssh_private_key_file=${hosts.identityFile}
ansible_ssh_common_args='-F /dev/null -o UserKnownHostsFile=${hosts.knownHosts} -o StrictHostKeyChecking=yes'
ansible_python_interpreter=/usr/bin/python3
`,
  );
  writeFileSync(
    join(dir, 'ansible.cfg'),
    `[defaults]
inventory = ${join(dir, 'inventory.ini')}
forks = 50
host_key_checking = True
gathering = explicit
retry_files_enabled = False
local_tmp = ${join(dir, 'local-tmp')}

[ssh_connection]
pipelining = True
ssh_args = -C -o ControlMaster=auto -o ControlPersist=60s
control_path_dir = ${join(dir, 'cp')}
`,
  );
  writeFileSync(
    join(dir, 'playbook.yml'),
    `- hosts: web
  gather_facts: false
  serial: "25%"
  tasks:
    - name: activate
      shell: '${ACTIVATE}'
`,
  );
}

const fmtS = (ms) => `${(ms / 1000).toFixed(2)} s`;
const fmtMb = (kb) => (Number.isFinite(kb) ? `${Math.round(kb / 1024)} MB` : 'n/a');
const fmtCpu = (ms) => (Number.isFinite(ms) ? fmtS(ms) : 'n/a');

async function main() {
  const why = unavailable();
  if (why !== undefined) {
    console.log(`fleet bench skipped: ${why}`);
    return;
  }
  const user = ensureUser();
  const scratch = mkdtempSync(join(tmpdir(), 'stagecraft-bench-fleet-'));
  // sshd reads authorized_keys as the deploy user: the folder must be traversable.
  chmodSync(scratch, 0o755);
  const home = join(scratch, 'home');
  mkdirSync(home);
  let hosts;
  const results = [];
  try {
    hosts = await startHosts(scratch, Math.max(...SIZES), user);
    console.error(
      `fleet bench: ${hosts.addresses.length} addresses on port ${hosts.port} (${hosts.sshds} sshd processes)`,
    );
    const ansibleVersion = run('ansible-playbook', ['--version']).split('\n')[0];
    for (const n of SIZES) {
      const scDir = join(scratch, `sc-${n}`);
      const anDir = join(scratch, `ansible-${n}`);
      stagecraftProject(scDir, hosts, n);
      ansibleProject(anDir, hosts, n);
      const env = { ...process.env, HOME: home, NO_COLOR: '1' };
      const runs = { stagecraft: [], ansible: [] };
      for (let i = 0; i < RUNS; i++) {
        for (const tool of ['stagecraft', 'ansible']) {
          if (interrupted) throw new Error(`interrupted (${interrupted})`);
          rmSync(join(user.home, 'rel'), { recursive: true, force: true });
          rmSync(join(scDir, '.stagecraft'), { recursive: true, force: true });
          const before = hosts.accepted();
          const r =
            tool === 'stagecraft'
              ? await measure(
                  process.execPath,
                  [
                    BIN,
                    'deploy',
                    '--yes',
                    '--plain',
                    '-c',
                    scDir,
                    '--state-dir',
                    join(scDir, '.stagecraft'),
                  ],
                  { cwd: root, env, scratch },
                )
              : await measure('ansible-playbook', ['playbook.yml'], {
                  cwd: anDir,
                  env: { ...env, ANSIBLE_CONFIG: join(anDir, 'ansible.cfg') },
                  scratch,
                });
          if (interrupted) throw new Error(`interrupted (${interrupted})`);
          // Let sshd flush its log lines of the last connections.
          await sleep(200);
          r.connections = hosts.accepted() - before;
          // Ansible's ControlPersist masters outlive it: end them (their CPU is not counted).
          if (tool === 'ansible') await killAll(() => pidsWith(join(anDir, 'cp')));
          // Every host done: stagecraft's `app@hK: healthy` lines, Ansible's recap lines.
          const doneHosts = new Set(
            tool === 'stagecraft'
              ? [...r.out.matchAll(/app@(h\d+): healthy/g)].map((m) => m[1])
              : [...r.out.matchAll(/^(h\d+)\s+: ok=1\s.*failed=0/gm)].map((m) => m[1]),
          ).size;
          const done = doneHosts === n && existsSync(join(user.home, 'rel', 'r1'));
          if (process.env.BENCH_FLEET_DEBUG) console.error(r.out);
          console.error(
            `  N=${n} ${tool} run ${i + 1}/${RUNS}: exit ${r.code}, ${fmtS(r.ms)}, CPU ${fmtCpu(r.cpuMs)}, ` +
              `${fmtMb(r.rssKb)}, ${r.connections} connections`,
          );
          if (r.code !== 0 || !done) {
            console.error(
              `  ${tool} failed at N=${n} (${doneHosts}/${n} hosts done):\n${r.out.slice(-3000)}`,
            );
            r.failed = true;
          }
          runs[tool].push(r);
        }
      }
      const best = (rs) => {
        const ok = rs.filter((r) => !r.failed);
        return ok.length === 0 ? undefined : ok.reduce((a, b) => (b.ms < a.ms ? b : a));
      };
      results.push({ n, sc: best(runs.stagecraft), an: best(runs.ansible), runs });
    }
    const cpu = cpus()[0]?.model ?? 'unknown CPU';
    console.log(
      `\nFleet deploy, ${cpus().length} CPUs (${cpu}), Node ${process.version}, ${ansibleVersion}; ` +
        `better of ${RUNS} runs each (lower wall time)\n`,
    );
    console.log(
      '| N | stagecraft wall | per host | connections | CPU | peak RSS | ansible wall | ansible CPU | ratio (stagecraft/ansible) |',
    );
    console.log('| -: | -: | -: | -: | -: | -: | -: | -: | -: |');
    for (const { n, sc, an } of results) {
      const f = (r, k) => (r === undefined ? 'failed' : k(r));
      const ratio = sc && an ? (sc.ms / an.ms).toFixed(2) : '–';
      const mark = n === 100 && sc && an ? (sc.ms / an.ms <= 0.5 ? ' ✓' : ' ✗') : '';
      console.log(
        `| ${n} | ${f(sc, (r) => fmtS(r.ms))} | ${f(sc, (r) => `${(r.ms / n).toFixed(1)} ms`)} | ` +
          `${f(sc, (r) => r.connections)} | ${f(sc, (r) => fmtCpu(r.cpuMs))} | ${f(sc, (r) => fmtMb(r.rssKb))} | ` +
          `${f(an, (r) => fmtS(r.ms))} | ${f(an, (r) => fmtCpu(r.cpuMs))} | ${ratio}${mark} |`,
      );
    }
    console.log(
      `\nTarget: ratio ≤ 0.5 at 100 hosts. Ansible's peak RSS (largest process) and connections: ` +
        results
          .map(({ n, an }) =>
            an ? `N=${n} ${fmtMb(an.rssKb)}, ${an.connections}` : `N=${n} failed`,
          )
          .join('; '),
    );
  } finally {
    if (hosts) await hosts.stop();
    rmSync(join(user.home, 'rel'), { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
  }
}

await main();
