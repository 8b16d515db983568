import type { SshPool } from '../adapters/ssh/pool.js';
import type { ResolvedPlan } from '../config/plan-types.js';
import type { PrerequisiteReport } from '../machines/effects.js';
import type { PrerequisiteCheck } from '../record/facts.js';
import {
  hardwareChecks,
  networkCheck,
  securityChecks,
  softwareCheck,
} from './prerequisite-checks.js';

/** The four kinds of phase-1 checks. */
type PrerequisiteCategory = PrerequisiteCheck['category'];
export type { PrerequisiteReport };

/** Hard ceiling for any single check, on top of its own timeout. */
const CHECK_CEILING_MS = 30_000;

/**
 * Runs every prerequisite of the plan as a real check that changes nothing: hardware (cpus,
 * memory, free disk), software (command version against a semver range), network (TCP
 * connect, HTTP GET) and security (secrets present in `env`, file modes). All checks run
 * concurrently, each with a deadline; every failure is listed. Never throws for a failing
 * check. The deployment engine binds this very function as its `checkPrerequisites` actor.
 *
 * With `hosts` (the SSH pool to use), every host a service is placed on is checked too, over
 * SSH (host-checks.ts): its checks are named `<host>: <check>` and listed after the local ones.
 */
export async function checkPrerequisites(
  plan: ResolvedPlan,
  env: NodeJS.ProcessEnv,
  signal?: AbortSignal,
  hosts?: { pool: SshPool },
): Promise<PrerequisiteReport> {
  const { prerequisites } = plan;
  const pending: Array<Promise<PrerequisiteCheck[]>> = [];
  if (prerequisites.hardware) {
    pending.push(guard('hardware', 'hardware', () => hardwareChecks(plan)));
  }
  for (const sw of prerequisites.software) {
    pending.push(guard('software', sw.name, () => softwareCheck(plan, sw, env, signal).then(one)));
  }
  for (const net of prerequisites.network) {
    pending.push(guard('network', net.label, () => networkCheck(net, signal).then(one)));
  }
  pending.push(guard('security', 'security', () => Promise.resolve(securityChecks(plan, env))));
  if (hosts !== undefined && plan.hosts !== undefined) {
    const [{ checkHost }, { hostsInUse }] = await Promise.all([
      import('./host-checks.js'),
      import('./hosts-in-use.js'),
    ]);
    for (const host of hostsInUse(plan).used) {
      pending.push(
        guard('network', `${host.name}: checks`, () =>
          checkHost(hosts.pool, host, plan, env, signal),
        ),
      );
    }
  }
  const checks = (await Promise.all(pending)).flat();
  return { ok: checks.every((c) => c.ok), checks };
}

function one(check: PrerequisiteCheck): PrerequisiteCheck[] {
  return [check];
}

/** A check that throws or overruns the ceiling becomes a failed check, not a crash. */
async function guard(
  category: PrerequisiteCategory,
  name: string,
  fn: () => Promise<PrerequisiteCheck[]>,
): Promise<PrerequisiteCheck[]> {
  let timer: NodeJS.Timeout | undefined;
  const ceiling = new Promise<PrerequisiteCheck[]>((resolve) => {
    timer = setTimeout(
      () =>
        resolve([{ category, name, ok: false, detail: `no answer within ${CHECK_CEILING_MS} ms` }]),
      CHECK_CEILING_MS,
    );
    timer.unref();
  });
  try {
    return await Promise.race([fn(), ceiling]);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return [{ category, name, ok: false, detail: `check could not run: ${message}` }];
  } finally {
    clearTimeout(timer);
  }
}
