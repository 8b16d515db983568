/**
 * One simulated deployment: the real deployment statechart, composed exactly as `deploy` composes
 * it, with {@link failingEffects} and a {@link FastClock}, driven to its end. Each prompt takes the
 * next answer of a script (then the dry run's answer: proceed at a stage, else the default), so a
 * caller can replay a path and branch off at any prompt. Nothing is journaled or written.
 */
import { createActor, type StateValue } from 'xstate';
import type { ResolvedPlan } from '../../config/plan-types.js';
import type { DeploymentInput } from '../../machines/deployment/index.js';
import { choiceToEvent } from '../../record/decisions.js';
import type {
  Choice,
  Fact,
  Outcome,
  PendingDecision,
  PreviousRelease,
} from '../../record/facts.js';
import { composeDeployment } from '../compose.js';
import { FastClock } from './fast-clock.js';
import { failingEffects, type FailurePoint, type SimulatedEffect } from './failing-effects.js';

/** What happened, in order: a deployment state entered, a fact recorded, an effect run. */
export type WalkEntry =
  | { kind: 'enter'; state: string }
  | { kind: 'fact'; fact: Fact }
  | { kind: 'effect'; effect: SimulatedEffect };

/** A prompt the walk met and the answer it gave. */
export interface WalkPrompt {
  decision: PendingDecision;
  choice: Choice;
  /** The index of the entry that follows the answer. */
  at: number;
}

/** One walk, start to end. */
export interface Walk {
  entries: WalkEntry[];
  prompts: WalkPrompt[];
  outcome: Outcome;
}

/** What a walk needs. */
export interface WalkOptions {
  plan: ResolvedPlan;
  service: string;
  when: FailurePoint;
  previous?: PreviousRelease;
  /** Answers to the first prompts, in order. */
  script?: readonly Choice[];
}

/** Most timers one walk may fire: a statechart that never ends is a bug, not a hang. */
const MAX_TIMERS = 50_000;

/** Checks (50 ms apart) with no timer pending after which a walk that has not ended is stuck. */
const IDLE_TICKS = 10;

/** The dry run's answer to a prompt. */
const dryRunAnswer = (d: PendingDecision): Choice =>
  d.kind === 'confirm-stage' ? 'proceed' : d.defaultChoice;

/** Every state id a state value has active, parents first (`deployment.activating`, ...). */
function activeIds(value: StateValue, prefix = 'deployment'): string[] {
  if (typeof value === 'string') return [`${prefix}.${value}`];
  return Object.entries(value).flatMap(([k, v]) => [
    `${prefix}.${k}`,
    ...(v === undefined ? [] : activeIds(v, `${prefix}.${k}`)),
  ]);
}

/** Walks one deployment to its end. */
export function walk(o: WalkOptions): Promise<Walk> {
  const entries: WalkEntry[] = [];
  const prompts: WalkPrompt[] = [];
  const clock = new FastClock();
  const record = (fact: Fact): void => {
    failing.observe(fact);
    entries.push({ kind: 'fact', fact });
    if (fact.type !== 'decision.requested') return;
    const d = fact.decision;
    const choice = o.script?.[prompts.length] ?? dryRunAnswer(d);
    prompts.push({ decision: d, choice, at: -1 });
    // Answered once the step that asked is over, before any timer (its deadline) can fire.
    queueMicrotask(() => {
      const p = prompts.find((x) => x.decision.id === d.id);
      if (p !== undefined) p.at = entries.length;
      actor.send(choiceToEvent(choice, 'what-if'));
    });
  };
  const failing = failingEffects(o.plan, record, o.service, o.when, (effect) =>
    entries.push({ kind: 'effect', effect }),
  );
  const input: DeploymentInput = {
    plan: o.plan,
    deploymentId: 'what-if',
    interactive: true,
    step: false,
    ...(o.previous === undefined ? {} : { previous: o.previous }),
  };
  let active = new Set<string>();
  const actor = createActor(composeDeployment(failing.effects, record), {
    input,
    clock,
    inspect: (ev) => {
      if (ev.actorRef.sessionId !== ev.rootId) return;
      if (ev.type !== '@xstate.microstep' && ev.type !== '@xstate.snapshot') return;
      const now = activeIds((ev.snapshot as unknown as { value: StateValue }).value);
      // A state re-entered by its own transition (`next` → `next`) is entered again.
      const reentered = new Set(
        ev.type === '@xstate.microstep'
          ? ev._transitions.flatMap((t) => (t.reenter ? (t.target ?? []).map((s) => s.id) : []))
          : [],
      );
      for (const id of now)
        if (!active.has(id) || reentered.has(id)) entries.push({ kind: 'enter', state: id });
      active = new Set(now);
    },
  });
  return new Promise<Walk>((resolve, reject) => {
    // Simulated effects settle at once: a walk with no timer left that has not ended is stuck.
    let idleTicks = 0;
    const guard = setInterval(() => {
      idleTicks = clock.idle() ? idleTicks + 1 : 0;
      if (clock.fired <= MAX_TIMERS && idleTicks < IDLE_TICKS) return;
      clearInterval(guard);
      clock.stop();
      const at = JSON.stringify((actor.getSnapshot() as { value?: unknown }).value);
      actor.stop();
      reject(
        new Error(
          clock.fired > MAX_TIMERS
            ? `bug: the what-if walk fired ${MAX_TIMERS} timers without ending (at ${at})`
            : `bug: the what-if walk stopped at ${at} with nothing left to happen`,
        ),
      );
    }, 50);
    actor.subscribe({
      complete: () => {
        clearInterval(guard);
        clock.stop();
        const outcome = (actor.getSnapshot() as { output?: Outcome }).output;
        resolve({
          entries,
          prompts,
          outcome: outcome ?? { result: 'failed', interrupted: false, reason: 'no output' },
        });
      },
      error: (error: unknown) => {
        clearInterval(guard);
        clock.stop();
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    });
    actor.start();
  });
}
