/**
 * Runs the deployment statechart composed exactly as the runtime composes it
 * (src/runtime/compose.ts: the real stage, service, health, monitor, verification and rollback
 * machines) on fake effects, with every fact it records kept and folded into a live record. A
 * test scripts each service's activation attempts in a word (`healthy`, `failed`, `unhealthy`,
 * `degraded`, `hold`, `crash`), or scripts the effects themselves.
 */
import { createActor, type Actor } from 'xstate';
import type { ResolvedPlan, ServiceSpec } from '../../src/config/plan-types.js';
import type { PreviousRelease, ResumePlan } from '../../src/machines/deployment/index.js';
import type { PendingDecision, ServiceState } from '../../src/record/facts.js';
import type { ViewSource } from '../../src/record/source.js';
import { composeDeployment } from '../../src/runtime/compose.js';
import { plan as defaultPlan, probe } from './deployment-fixtures.js';
import { exited, FakeEffects, measured, type Answer, type FakeScript } from './fake-effects.js';
import { recording, type Recording } from './recording.js';

/**
 * What one activation attempt of a service does: `healthy`, `degraded` (its performance baseline
 * is missed), `failed` (activate exits 1), `unhealthy` (its probe fails), `hold` (the activation
 * waits for `release`), `crash` (the service actor throws: its spec lacks `activate`).
 */
type FakeOutcome = 'healthy' | 'degraded' | 'failed' | 'unhealthy' | 'hold' | 'crash';

/** What a test can script. */
export interface DeployOptions {
  plan?: ResolvedPlan;
  interactive?: boolean;
  step?: boolean;
  previous?: PreviousRelease;
  /** Per service, what each activation attempt does (default: healthy). */
  services?: Record<string, FakeOutcome[]>;
  /** Effects scripted directly (merged over what `services` scripts). */
  script?: FakeScript;
  /** Watch healthy services after their stage (the machine's default when absent). */
  monitor?: boolean;
  /** Start as `resume` does. */
  resume?: ResumePlan;
}

/** A running deployment, its fake effects and its record. */
export interface DeployRun {
  actor: Actor<ReturnType<typeof composeDeployment>>;
  fx: FakeEffects;
  rec: Recording;
  /** The plan as run (with the probes and baselines `services` needed). */
  plan: ResolvedPlan;
  /** What a screen or reporter reads: the record, each fact, and the way to steer the run. */
  source: ViewSource;
  /** Resolves with the decision the deployment (or its rollback) is waiting for. */
  pending: () => Promise<PendingDecision>;
  /** Resolves once `service` was recorded in `state`. */
  reached: (service: string, state: ServiceState) => Promise<void>;
}

/** The reason the real service machine gives for a `failed` attempt of `name`. */
export const failedReason = (name: string, n = 1, cap = 1): string =>
  `${name}.activate exited with code 1 (attempt ${n}/${cap}; last output: "${name} failed (fake)")`;

/** The plan and effects script that make each service do what `outcomes` says. */
function scripted(
  plan: ResolvedPlan,
  outcomes: Record<string, FakeOutcome[]>,
): { plan: ResolvedPlan; script: FakeScript } {
  const commands: NonNullable<FakeScript['commands']> = {};
  const probes: NonNullable<FakeScript['probes']> = {};
  const performance: NonNullable<FakeScript['performance']> = {};
  const services: Record<string, ServiceSpec> = { ...plan.services };
  for (const [name, list] of Object.entries(outcomes)) {
    const spec = services[name];
    if (spec === undefined) throw new Error(`no service ${name} in the plan`);
    const next: ServiceSpec = { ...spec };
    commands[`${name}.activate`] = list.map((o): Answer<ReturnType<typeof exited>> =>
      o === 'hold' ? 'hold' : o === 'failed' ? exited(1, `${name} failed (fake)\n`) : exited(0),
    );
    // Attempts that reach the health check, in order: each probes once (retries 1, 50 ms) and,
    // when it passes, measures once (a baseline is measured after the probe).
    const checked = list.filter((o) => o === 'healthy' || o === 'degraded' || o === 'unhealthy');
    if (list.includes('unhealthy') || list.includes('degraded')) {
      next.health = probe(`${name}-probe`, { retries: 1, intervalMs: 50 });
      probes[`${name}-probe`] = checked.map((o) => o !== 'unhealthy');
    }
    if (list.includes('degraded')) {
      next.performance = {
        url: `http://127.0.0.1:1/${name}`,
        samples: 5,
        p95Ms: 100,
        timeoutMs: 1000,
      };
      performance[`${name}.performance`] = checked
        .filter((o) => o !== 'unhealthy')
        .map((o) => measured(o !== 'degraded'));
    }
    if (list.includes('crash')) delete next.activate;
    services[name] = next;
  }
  return { plan: { ...plan, services }, script: { commands, probes, performance } };
}

/** Starts a deployment on fake effects. */
export function deploy(o: DeployOptions = {}): DeployRun {
  const { plan, script } = scripted(o.plan ?? defaultPlan(), o.services ?? {});
  const extra = o.script ?? {};
  const fx = new FakeEffects({
    ...extra,
    commands: { ...script.commands, ...extra.commands },
    probes: { ...script.probes, ...extra.probes },
    performance: { ...script.performance, ...extra.performance },
  });
  const rec = recording(plan, 'dep-1');
  const actor = createActor(composeDeployment(fx.effects, rec.record), {
    input: {
      plan,
      deploymentId: 'dep-1',
      interactive: o.interactive ?? false,
      step: o.step ?? false,
      ...(o.previous === undefined ? {} : { previous: o.previous }),
      ...(o.monitor === undefined ? {} : { monitor: o.monitor }),
      ...(o.resume === undefined ? {} : { resume: o.resume }),
    },
  });
  actor.subscribe({ error: () => undefined });
  actor.start();
  const source: ViewSource = {
    record: () => rec.run,
    subscribe: (listener) => rec.subscribe(listener),
    send: (event) => actor.send(event),
  };
  const pending = async (): Promise<PendingDecision> => {
    const open = rec.run.pendingDecision;
    if (open !== undefined) return open;
    const unanswered = (f: { decision: PendingDecision }) =>
      !rec.run.decisions.some((d) => d.id === f.decision.id);
    return (await rec.next('decision.requested', unanswered)).decision;
  };
  const reached = async (service: string, state: ServiceState): Promise<void> => {
    await rec.next('service.state', (f) => f.service === service && f.state === state);
  };
  return { actor, fx, rec, plan, source, pending, reached };
}
