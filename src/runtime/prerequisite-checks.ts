import { statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { PrerequisitesSpec, ResolvedPlan } from '../config/plan-types.js';
import type { CommandOutcome } from '../machines/effects.js';
import type { PrerequisiteCheck } from '../record/facts.js';
import { formatBytes } from '../core/format-bytes.js';
import { own } from '../core/own.js';

type Software = PrerequisitesSpec['software'][number];
type Network = PrerequisitesSpec['network'][number];
type Hardware = NonNullable<PrerequisitesSpec['hardware']>;
/** The outcome of a software version command, wherever it ran. */
type RanOutcome = Pick<
  CommandOutcome,
  'error' | 'timedOut' | 'exitCode' | 'signal' | 'durationMs' | 'outputTail'
>;

/** Default deadline of a software version command without its own `timeout`. */
export const SOFTWARE_TIMEOUT_MS = 10_000;

/** cpus, memory and free disk space against the plan's minimums. */
export async function hardwareChecks(plan: ResolvedPlan): Promise<PrerequisiteCheck[]> {
  const hw = plan.prerequisites.hardware;
  if (!hw) return [];
  const { systemFacts } = await import('../adapters/system.js');
  const paths = hw.disk.map((d) => absolute(plan, d.path));
  return hardwareVerdicts(hw, await systemFacts(paths));
}

/** The facts a hardware check judges (measured here, or on a host). */
export interface HardwareFacts {
  cpus: number;
  memoryBytes: number;
  /** Parallel to the spec's `disk`. */
  disks: Array<{ freeBytes: number | null; error?: string }>;
}

/** Judges measured hardware facts against the minimums: one check per minimum. */
export function hardwareVerdicts(hw: Hardware, facts: HardwareFacts): PrerequisiteCheck[] {
  const checks: PrerequisiteCheck[] = [];
  if (hw.cpus !== undefined) {
    checks.push({
      category: 'hardware',
      name: 'cpus',
      ok: facts.cpus >= hw.cpus,
      detail: `${facts.cpus} CPUs (need at least ${hw.cpus})`,
    });
  }
  if (hw.memoryBytes !== undefined) {
    checks.push({
      category: 'hardware',
      name: 'memory',
      ok: facts.memoryBytes >= hw.memoryBytes,
      detail: `${formatBytes(facts.memoryBytes)} of memory (need at least ${formatBytes(hw.memoryBytes)})`,
    });
  }
  hw.disk.forEach((d, i) => {
    const fact = facts.disks[i];
    const free = fact?.freeBytes ?? null;
    checks.push({
      category: 'hardware',
      name: `disk ${d.path}`,
      ok: free !== null && free >= d.freeBytes,
      detail:
        free === null
          ? `cannot read free space of ${d.path}: ${fact?.error ?? 'unknown error'}`
          : `${formatBytes(free)} free (need at least ${formatBytes(d.freeBytes)})`,
    });
  });
  return checks;
}

/** Runs the software's command, takes the first x.y.z of its output, matches the range. */
export async function softwareCheck(
  plan: ResolvedPlan,
  sw: Software,
  env: NodeJS.ProcessEnv,
  signal?: AbortSignal,
): Promise<PrerequisiteCheck> {
  const { runCommand } = await import('../adapters/exec.js');
  const outcome = await runCommand(sw.command, {
    env: commandEnv(plan, env),
    timeoutMs: sw.command.timeoutMs ?? SOFTWARE_TIMEOUT_MS,
    ...(signal ? { signal } : {}),
  });
  return softwareVerdict(sw, outcome);
}

/** Judges the outcome of a software's version command: it ran, and its x.y.z is in range. */
export async function softwareVerdict(
  sw: Software,
  outcome: RanOutcome,
): Promise<PrerequisiteCheck> {
  const semver = await import('semver');
  const base = { category: 'software' as const, name: sw.name };
  const shown = Array.isArray(sw.command.run) ? sw.command.run.join(' ') : sw.command.run;
  if (outcome.error || outcome.timedOut || outcome.exitCode !== 0) {
    const why = outcome.error
      ? outcome.error
      : outcome.timedOut
        ? `timed out after ${outcome.durationMs} ms`
        : `exited with ${outcome.exitCode ?? outcome.signal ?? 'a signal'}`;
    return { ...base, ok: false, detail: `\`${shown}\` ${why}` };
  }
  if (sw.version === undefined) {
    return { ...base, ok: true, detail: `\`${shown}\` ran` };
  }
  const range = semver.validRange(sw.version);
  if (range === null) {
    return { ...base, ok: false, detail: `"${sw.version}" is not a semver range (e.g. ">=7.0")` };
  }
  const found =
    /(\d+)\.(\d+)\.(\d+)/.exec(outcome.outputTail)?.[0] ??
    semver.coerce(outcome.outputTail)?.version;
  if (found === undefined) {
    return { ...base, ok: false, detail: `no version number in the output of \`${shown}\`` };
  }
  const ok = semver.satisfies(found, range);
  return {
    ...base,
    ok,
    detail: ok ? `${found} satisfies ${sw.version}` : `${found} does not satisfy ${sw.version}`,
  };
}

/** A TCP connect or an HTTP GET, each with its own timeout. */
export async function networkCheck(net: Network, signal?: AbortSignal): Promise<PrerequisiteCheck> {
  if (net.kind === 'tcp') {
    const { tcpProbe } = await import('../adapters/tcp-probe.js');
    const r = await tcpProbe(net.host, net.port, net.timeoutMs, signal);
    return { category: 'network', name: net.label, ok: r.ok, detail: r.detail };
  }
  const { httpGet } = await import('../adapters/http-probe.js');
  const r = await httpGet(net.url, net.timeoutMs, signal);
  return { category: 'network', name: net.label, ok: r.ok, detail: r.detail };
}

/** Every secret present in the operator's environment (by name only), files with their exact mode. */
export function securityChecks(plan: ResolvedPlan, env: NodeJS.ProcessEnv): PrerequisiteCheck[] {
  const names = [...new Set([...plan.secretNames, ...plan.prerequisites.security.secrets])];
  const checks: PrerequisiteCheck[] = names.map((name) => {
    const present = (own(env, name) ?? '') !== '';
    return {
      category: 'security',
      name: `secret ${name}`,
      ok: present,
      detail: present
        ? 'set in the environment'
        : `${name} is not set: export it before running stagecraft`,
    };
  });
  for (const file of plan.prerequisites.security.files) {
    checks.push(fileModeCheck(plan, file.path, file.mode));
  }
  return checks;
}

function fileModeCheck(plan: ResolvedPlan, path: string, mode: string): PrerequisiteCheck {
  const base = { category: 'security' as const, name: `file ${path}` };
  const want = Number.parseInt(mode, 8);
  try {
    const actual = statSync(absolute(plan, path)).mode & 0o7777;
    const shown = actual.toString(8).padStart(4, '0');
    return actual === want
      ? { ...base, ok: true, detail: `mode ${shown}` }
      : { ...base, ok: false, detail: `mode ${shown}, expected ${mode}: chmod ${mode} ${path}` };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return {
      ...base,
      ok: false,
      detail: code === 'ENOENT' ? 'file does not exist' : `cannot stat: ${code ?? 'error'}`,
    };
  }
}

function absolute(plan: ResolvedPlan, path: string): string {
  return isAbsolute(path) ? path : resolve(plan.configDir, path);
}

/** Variables, ENV and the secrets present, as the command's extra environment. */
export function commandEnv(plan: ResolvedPlan, env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = { ENV: plan.environment };
  for (const [k, v] of Object.entries(plan.vars)) out[k] = v.value;
  for (const name of plan.secretNames) {
    const value = own(env, name);
    if (value !== undefined) out[name] = value;
  }
  return out;
}
