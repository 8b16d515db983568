/**
 * `plan --fail`: what a failure of one service at one point does. The main path answers every
 * prompt as the dry run does (proceed at a stage, else the prompt's default); each other choice
 * of each prompt on it is walked again from the start with that answer, to say where it leads.
 */
import type { ResolvedPlan } from '../../config/plan-types.js';
import { withLayerStages } from '../../config/resolve.js';
import { usageError } from '../../core/errors.js';
import { listReleases, previousRelease } from '../../state/releases.js';
import { stateUrlOf, storeOf } from '../store.js';
import type { Choice, Outcome, PreviousRelease } from '../../record/facts.js';
import { failurePoints, verifyFailures, type FailurePoint } from './failing-effects.js';
import { walk, type Walk, type WalkPrompt } from './walk.js';

/** Where one choice of a prompt leads. */
interface WhatIfBranch {
  choice: Choice;
  /** The main path's own choice. */
  taken: boolean;
  walk: Walk;
}

/** A prompt on the main path with every choice walked. */
interface WhatIfPrompt {
  prompt: WalkPrompt;
  branches: WhatIfBranch[];
}

/** The answer of `plan --fail`. */
export interface WhatIf {
  service: string;
  when: FailurePoint;
  /** The release a rollback returns to, and whether it was recorded or assumed. */
  previous: PreviousRelease;
  previousRecorded: boolean;
  /** This deployment's own variables (what a rollback's differ from). */
  current: Record<string, string>;
  main: Walk;
  prompts: WhatIfPrompt[];
}

/** Checks `service` and `when` against the plan: a usage error listing the valid ones. */
export function checkWhatIf(plan: ResolvedPlan, service: string, when: string): FailurePoint {
  const names = Object.keys(plan.services);
  if (!names.includes(service))
    throw usageError(`--fail: no service "${service}" in this plan; valid: ${names.join(', ')}`);
  const point = failurePoints.find((p) => p === when);
  if (point === undefined)
    throw usageError(`--when must be one of ${failurePoints.join(', ')} (got "${when}")`);
  if (point === 'health' && plan.services[service]?.health === undefined)
    throw usageError(`--when health: ${service} has no health check; use --when activating`);
  if (point === 'verify' && verifyFailures(plan, service).length === 0)
    throw usageError(
      `--when verify: nothing verifies ${service} (no verify check in its stage, no integration check, no readiness probe); use --when health or activating`,
    );
  return point;
}

/**
 * The plan a what-if walks: the failing service's probes count every failure (no start period:
 * the simulated clock does not move the wall clock the start period is measured on).
 */
function simulated(plan: ResolvedPlan, service: string): ResolvedPlan {
  const spec = plan.services[service];
  if (spec === undefined) return plan;
  return {
    ...plan,
    services: {
      ...plan.services,
      [service]: {
        ...spec,
        ...(spec.health ? { health: { ...spec.health, startPeriodMs: 0 } } : {}),
        readiness: spec.readiness.map((p) => ({ ...p, startPeriodMs: 0 })),
      },
    },
  };
}

/**
 * The release a what-if rolls back to: the one recorded, else an assumed one (`previous`) that
 * ran every service with this plan's variables, so each rollback step shows what it would run.
 */
function assumedPrevious(plan: ResolvedPlan): PreviousRelease {
  const vars = Object.fromEntries(
    Object.entries(plan.vars).map(([k, v]) => [k, k === 'RELEASE' ? 'previous' : v.value]),
  );
  const names = Object.keys(plan.services);
  return {
    release: 'previous',
    env: Object.fromEntries(names.map((n) => [n, vars])),
    running: names.filter((n) => plan.services[n]?.kind === 'process'),
  };
}

/** Walks the failure and each choice of each prompt on its path. */
export async function whatIf(
  plan: ResolvedPlan,
  service: string,
  when: FailurePoint,
  recorded: PreviousRelease | undefined,
): Promise<WhatIf> {
  const sim = simulated(plan, service);
  const previous = recorded ?? assumedPrevious(plan);
  const base = { plan: sim, service, when, previous };
  const main = await walk(base);
  const prompts: WhatIfPrompt[] = [];
  for (const [i, prompt] of main.prompts.entries()) {
    const prefix = main.prompts.slice(0, i).map((p) => p.choice);
    const branches: WhatIfBranch[] = [];
    for (const choice of prompt.decision.choices) {
      const taken = choice === prompt.choice;
      branches.push({
        choice,
        taken,
        walk: taken ? main : await walk({ ...base, script: [...prefix, choice] }),
      });
    }
    prompts.push({ prompt, branches });
  }
  const current = Object.fromEntries(Object.entries(plan.vars).map(([k, v]) => [k, v.value]));
  return {
    service,
    when,
    previous,
    previousRecorded: recorded !== undefined,
    current,
    main,
    prompts,
  };
}

/** One line for an outcome. */
export function outcomeLine(o: Outcome): string {
  const restored = o.restored?.length ? `; restored ${o.restored.join(', ')}` : '';
  const not = o.notRestored?.length
    ? `; not restored ${o.notRestored.map((n) => n.name).join(', ')}`
    : '';
  return `${o.result}${o.reason === undefined ? '' : ` (${o.reason})`}${restored}${not}`;
}

/**
 * The release recorded last for the plan's environment, as a rollback would return to it: from
 * the team's database when one is configured, else read from the state folder (a folder that does
 * not exist is not created).
 */
export async function recordedPrevious(
  plan: ResolvedPlan,
  stateDir: string,
  env: NodeJS.ProcessEnv,
): Promise<PreviousRelease | undefined> {
  const releases =
    stateUrlOf(plan, env) === undefined
      ? await listReleases(stateDir, plan.environment)
      : await (await storeOf(plan, stateDir, env)).listReleases(plan.environment);
  const release = previousRelease(releases);
  if (release === undefined) return undefined;
  return {
    release: release.label,
    env: release.vars,
    running: release.running,
    ...(release.checks === undefined ? {} : { checks: release.checks }),
    ...(release.skipped === undefined ? {} : { skipped: release.skipped }),
  };
}

/** The plan as `deploy --dry-run` walks it: stage gates where asked, the watch not waited out. */
export function whatIfPlan(plan: ResolvedPlan): ResolvedPlan {
  const gated = plan.confirmStages ? withLayerStages(plan) : plan;
  return gated.monitoring?.watchMs === undefined
    ? gated
    : { ...gated, monitoring: { ...gated.monitoring, watchMs: 0 } };
}
