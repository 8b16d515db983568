/**
 * `stagecraft down`: stops the environment's services in reverse dependency order with the down
 * statechart as the root — each `stop` command, then the `process` instance stagecraft started —
 * under the environment lock, with its own record and journal.
 */
import { listServices } from '../adapters/process.js';
import type { ResolvedPlan, ServiceSpec } from '../config/plan-types.js';
import { own } from '../core/own.js';
import { count } from '../core/plural.js';
import type { DownOutput } from '../machines/down/index.js';
import type { Outcome } from '../record/facts.js';
import { liveUnproven, readRegistry, registryPath } from '../state/registry.js';
import { composeDown } from './compose.js';
import { secretsOf, sessionFacts, startedFact, type RunOptions, type RunResult } from './deploy.js';
import { drive } from './driver.js';
import { realEffects } from './effects/real.js';
import { openSession } from './session.js';
import { storeOf } from './store.js';

/** A process `down` leaves running, and why. */
interface LeftRunning {
  name: string;
  reason: string;
}

/**
 * The earlier instances the registry keeps as unproven (a new instance replaced one whose
 * identity could not be proven, so it was neither stopped nor forgotten) whose process may still
 * run: reported by `deploy` and `down`, never signalled.
 */
async function unprovenInstances(plan: ResolvedPlan, stateDir: string): Promise<LeftRunning[]> {
  const path = registryPath(stateDir, plan.environment);
  const registry = await readRegistry(path).catch(() => undefined);
  return (registry === undefined ? [] : liveUnproven(registry)).map((u) => ({
    name: `${u.service} (an earlier instance, pid ${u.entry.pid})`,
    reason: `stagecraft cannot prove it started pid ${u.entry.pid}, so it was neither stopped nor forgotten when a new instance replaced it; if it is yours, stop it yourself (kill ${u.entry.pid}), then remove it from the "unproven" list of ${path}`,
  }));
}

/** The outcome of `down`; `unproven`: earlier instances left running (see unprovenInstances). */
export function downOutcome(out: DownOutput, unproven: LeftRunning[] = []): Outcome {
  const failed = out.failed.map((f) => ({ name: f.name, reason: f.reason }));
  const skipped = out.notAttempted.map((name) => ({ name, reason: 'not stopped: interrupted' }));
  if (failed.length === 0 && skipped.length === 0) {
    const left = [...out.leftRunning, ...unproven];
    if (left.length === 0)
      return { result: 'succeeded', interrupted: out.interrupted, restored: [] };
    return {
      result: 'succeeded-with-warnings',
      interrupted: out.interrupted,
      reason: `${count(left.length, 'service')} left running, not started from here: ${left.map((l) => `${l.name}: ${l.reason}`).join('; ')}`,
      restored: [],
    };
  }
  return {
    result: 'rollback-incomplete',
    interrupted: out.interrupted,
    reason: `${count(failed.length + skipped.length, 'service')} not stopped`,
    notRestored: [...failed, ...skipped],
  };
}

/**
 * Services the environment's process registry lists that the config no longer has (removed
 * since they were deployed): `down` stops them too, first, so none is left running unnamed.
 */
export async function removedServices(plan: ResolvedPlan, stateDir: string): Promise<string[]> {
  const listed = await listServices({ stateDir, environment: plan.environment });
  return listed.map((s) => s.service).filter((name) => own(plan.services, name) === undefined);
}

/**
 * The lines `deploy` says about removed services still running: each is left running and
 * recorded, with the commands that stop it.
 */
export async function removedNotice(plan: ResolvedPlan, stateDir: string): Promise<string[]> {
  const listed = await listServices({ stateDir, environment: plan.environment });
  return [
    ...listed
      .filter((s) => s.alive && own(plan.services, s.service) === undefined)
      .map(
        (s) =>
          `${s.service} is no longer in the config but still runs (pid ${s.pid}, from an earlier deployment); left running and recorded: stop it with \`stagecraft down -c ${plan.configDir} -e ${plan.environment}\` (which stops the whole environment) or \`kill -- -${s.pid}\``,
      ),
    ...(await unprovenInstances(plan, stateDir)).map((u) => `${u.name}: ${u.reason}`),
  ];
}

/** A removed service as the down statechart stops it: its recorded process only. */
const removedSpec = (name: string): ServiceSpec => ({
  name,
  kind: 'process',
  dependsOn: [],
  stage: 'removed',
  group: 'removed',
  timeoutMs: 0,
  readiness: [],
});

/** Stops every service of the plan's environment, and the ones removed from its config. */
export async function down(o: RunOptions): Promise<RunResult> {
  const { plan } = o;
  const { secrets, mask } = secretsOf(plan, o.env);
  const store = await storeOf(plan, o.stateDir, o.env);
  const session = await openSession(plan, o.stateDir, store, o.command, mask);
  const unproven = await unprovenInstances(plan, o.stateDir);
  const services = [
    ...(await removedServices(plan, o.stateDir)).map(removedSpec),
    ...plan.rollbackOrder.flatMap((n) => {
      const s = own(plan.services, n);
      return s === undefined ? [] : [s];
    }),
  ];
  const driven = await drive({
    compose: (record) =>
      composeDown(
        realEffects({
          plan,
          deploymentId: session.id,
          stateDir: o.stateDir,
          store,
          gate: session.gate,
          secrets,
          mask,
          operatorEnv: o.env,
          logDir: session.logDir,
        }),
        record,
      ),
    input: { services },
    opening: [startedFact('down', plan, session.id, o.command), ...sessionFacts(session)],
    session,
    mask,
    present: o.present,
    outcome: (out) => downOutcome(out, unproven),
    hardExit: o.hardExit,
    ...(o.trace === undefined ? {} : { trace: o.trace }),
  });
  return { outcome: driven.outcome, deploymentId: session.id, journalPath: session.journalPath };
}
