/**
 * The prerequisites of a fleet, checked on each host a service is placed on: the host answers on
 * its SSH port within `ssh.connectTimeout`, its host key is known (an unknown key fails with the
 * message saying how to trust it; a mismatch fails loudly), the deploy user logs in, the
 * `prerequisites.software` commands run there (versions judged as locally) and the `hardware`
 * minimums hold there (`nproc`, /proc/meminfo, `df -Pk`). The per-command exec overhead (the
 * time of a no-op command on the open connection) is measured and shown, never judged.
 *
 * Each check is a PrerequisiteCheck named `<host>: <check>`, so the journal, the reporters and
 * `validate` show them like the local ones. Nothing on a host is changed.
 */
import { HostKeyError, type SshPool } from '../adapters/ssh/pool.js';
import { runRemoteCommand } from '../adapters/ssh/remote-exec.js';
import { tcpProbe } from '../adapters/tcp-probe.js';
import type { HostSpec, ResolvedPlan } from '../config/plan-types.js';
import type { PrerequisiteCheck } from '../record/facts.js';
import {
  commandEnv,
  hardwareVerdicts,
  SOFTWARE_TIMEOUT_MS,
  softwareVerdict,
  type HardwareFacts,
} from './prerequisite-checks.js';

/** Samples of the no-op taken for the exec overhead (the smallest is shown). */
const OVERHEAD_SAMPLES = 3;
/** Deadline of one no-op and of the hardware facts command. */
const SMALL_COMMAND_MS = 10_000;

const named = (
  host: HostSpec,
  category: PrerequisiteCheck['category'],
  name: string,
  ok: boolean,
  detail: string,
): PrerequisiteCheck => ({ category, name: `${host.name}: ${name}`, ok, detail });

/**
 * The no-op command timed for the exec overhead. It waits for one byte on stdin, sent once the
 * listeners are on: a command that ends at once can report its exit status in the same packets
 * as the channel's opening, before anyone listens.
 */
const NO_OP = 'head -c 1 >/dev/null; true';

/** Runs the no-op once on its own channel: its duration, or the error that stopped it. */
async function runNoOp(
  pool: SshPool,
  host: HostSpec,
): Promise<{ ms: number } | { error: unknown }> {
  const started = performance.now();
  try {
    const lease = await pool.exec(host, NO_OP);
    const code = await new Promise<number | undefined>((resolve) => {
      let exit: number | undefined;
      const timer = setTimeout(() => lease.channel.close(), SMALL_COMMAND_MS);
      lease.channel.on('exit', (c: number | null) => (exit = c ?? undefined));
      lease.channel.on('error', () => undefined);
      lease.channel.on('close', () => {
        clearTimeout(timer);
        lease.release();
        resolve(exit);
      });
      lease.channel.resume();
      lease.channel.stderr.resume();
      lease.onLost(() => resolve(undefined));
      lease.channel.write('x');
    });
    if (code !== 0)
      return { error: new Error(`a no-op command exited with ${code ?? 'no status'}`) };
    return { ms: Math.round(performance.now() - started) };
  } catch (error) {
    return { error };
  }
}

/** The access checks of one host; `ok: false` when the remaining checks cannot run. */
async function accessChecks(
  pool: SshPool,
  host: HostSpec,
  signal?: AbortSignal,
): Promise<{ checks: PrerequisiteCheck[]; ok: boolean }> {
  const where = `${host.address}:${host.port}`;
  const timeout = host.ssh.connectTimeoutMs;
  const tcp = await tcpProbe(host.address, host.port, timeout, signal);
  const reach = named(
    host,
    'network',
    'reachable',
    tcp.ok,
    tcp.ok
      ? `${where} answered in ${tcp.durationMs} ms`
      : `cannot reach ${where} within ${timeout} ms (ssh.connectTimeout): ${tcp.detail}`,
  );
  if (!tcp.ok) return { checks: [reach], ok: false };
  const first = await runNoOp(pool, host);
  if ('error' in first) {
    const error = first.error;
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof HostKeyError)
      return {
        checks: [reach, named(host, 'security', 'host key', false, message)],
        ok: false,
      };
    return {
      checks: [
        reach,
        named(host, 'security', 'host key', true, 'known'),
        named(host, 'security', 'login', false, message),
      ],
      ok: false,
    };
  }
  const samples: number[] = [];
  for (let i = 0; i < OVERHEAD_SAMPLES; i += 1) {
    const r = await runNoOp(pool, host);
    if ('ms' in r) samples.push(r.ms);
  }
  const checks = [
    reach,
    named(host, 'security', 'host key', true, `known (${host.ssh.knownHosts.join(', ')})`),
    named(
      host,
      'security',
      'login',
      true,
      `${host.user} logged in (connect and first command ${first.ms} ms)`,
    ),
  ];
  if (samples.length > 0)
    checks.push(
      named(
        host,
        'network',
        'exec overhead',
        true,
        `${Math.min(...samples)} ms per command (a no-op on the open connection)`,
      ),
    );
  return { checks, ok: true };
}

/** `df`, `nproc` and /proc/meminfo in one command; one `key value...` line per fact. */
function hardwareScript(paths: string[]): string {
  const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  const lines = [
    'echo "cpus $(nproc)"',
    `echo "mem $(awk '/^MemTotal:/ {print $2}' /proc/meminfo)"`,
    ...paths.map(
      (p, i) =>
        `if out=$(df -Pk -- ${q(p)} 2>&1); then echo "disk${i} ok $(printf '%s\\n' "$out" | awk 'NR==2 {print $4}')"; ` +
        `else echo "disk${i} err $(printf '%s\\n' "$out" | tail -n 1)"; fi`,
    ),
  ];
  return lines.join('\n');
}

/** Reads the facts {@link hardwareScript} printed; undefined where a line is missing. */
function parseHardware(output: string, disks: number): HardwareFacts | undefined {
  const facts = new Map<string, string>();
  for (const line of output.split('\n')) {
    const m = /^(\w+) (.*)$/.exec(line.trim());
    if (m?.[1] !== undefined && m[2] !== undefined) facts.set(m[1], m[2]);
  }
  const cpus = Number(facts.get('cpus'));
  const memKb = Number(facts.get('mem'));
  if (!Number.isInteger(cpus) || !Number.isFinite(memKb)) return undefined;
  return {
    cpus,
    memoryBytes: memKb * 1024,
    disks: Array.from({ length: disks }, (_, i) => {
      const d = facts.get(`disk${i}`) ?? 'err no answer';
      const kb = /^ok (\d+)$/.exec(d)?.[1];
      return kb === undefined
        ? { freeBytes: null, error: d.replace(/^(ok|err) ?/, '') || 'no answer' }
        : { freeBytes: Number(kb) * 1024 };
    }),
  };
}

async function hardwareOn(
  pool: SshPool,
  host: HostSpec,
  plan: ResolvedPlan,
  signal?: AbortSignal,
): Promise<PrerequisiteCheck[]> {
  const hw = plan.prerequisites.hardware;
  if (!hw) return [];
  const out = await runRemoteCommand(
    pool,
    { run: hardwareScript(hw.disk.map((d) => d.path)), cwd: '', env: {}, host },
    { env: {}, timeoutMs: SMALL_COMMAND_MS, ...(signal ? { signal } : {}) },
  );
  const facts = out.exitCode === 0 ? parseHardware(out.outputTail, hw.disk.length) : undefined;
  if (facts === undefined)
    return [
      named(
        host,
        'hardware',
        'hardware',
        false,
        `cannot read the hardware facts: ${out.error ?? `exit ${out.exitCode ?? 'none'}: ${out.outputTail.trim()}`}`,
      ),
    ];
  return hardwareVerdicts(hw, facts).map((c) => ({ ...c, name: `${host.name}: ${c.name}` }));
}

async function softwareOn(
  pool: SshPool,
  host: HostSpec,
  plan: ResolvedPlan,
  env: NodeJS.ProcessEnv,
  signal?: AbortSignal,
): Promise<PrerequisiteCheck[]> {
  return Promise.all(
    plan.prerequisites.software.map(async (sw) => {
      const out = await runRemoteCommand(
        pool,
        // On a host the version command runs in the deploy user's login folder.
        { ...sw.command, cwd: '', host },
        {
          env: { ...commandEnv(plan, env), ...host.vars, HOST: host.address, HOST_NAME: host.name },
          timeoutMs: sw.command.timeoutMs ?? SOFTWARE_TIMEOUT_MS,
          ...(signal ? { signal } : {}),
        },
      );
      const check = await softwareVerdict(sw, out);
      return { ...check, name: `${host.name}: ${check.name}` };
    }),
  );
}

/** Every check of one host, in a stable order: access, then software, then hardware. */
export async function checkHost(
  pool: SshPool,
  host: HostSpec,
  plan: ResolvedPlan,
  env: NodeJS.ProcessEnv,
  signal?: AbortSignal,
): Promise<PrerequisiteCheck[]> {
  const access = await accessChecks(pool, host, signal);
  if (!access.ok) return access.checks;
  const [software, hardware] = await Promise.all([
    softwareOn(pool, host, plan, env, signal),
    hardwareOn(pool, host, plan, signal),
  ]);
  return [...access.checks, ...software, ...hardware];
}
