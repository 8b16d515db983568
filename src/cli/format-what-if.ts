/**
 * `plan --fail` as text: the states the deployment statechart enters, what each service does,
 * each prompt with its choices and default and where each choice leads, the rollback steps in
 * order with the variables they run with, and the result.
 */
import type { Fact, Outcome } from '../record/facts.js';
import { outcomeLine, type WhatIf } from '../runtime/what-if/explore.js';
import type { Walk, WalkEntry } from '../runtime/what-if/walk.js';
import { shortState } from './path-format.js';

/** The variables that differ from this deployment's own (the rest are the same). */
const vars = (env: Record<string, string>, current: Record<string, string>): string => {
  const differ = Object.entries(env).filter(([k, v]) => current[k] !== v);
  const same = Object.keys(env).length - differ.length;
  return [
    differ.length === 0
      ? 'the same as this release'
      : differ.map(([k, v]) => `${k}=${v}`).join(', '),
    ...(differ.length > 0 && same > 0 ? [`${same} more as in this release`] : []),
  ].join('; ');
};

/** The states a walk entered, from entry `from` on. */
export function statesOf(w: Walk, from = 0): string[] {
  return w.entries.slice(from).flatMap((e) => (e.kind === 'enter' ? [e.state] : []));
}

/** The narrative line of one entry, or none. */
function line(
  e: WalkEntry,
  previousRelease: string,
  current: Record<string, string>,
): string | undefined {
  if (e.kind === 'effect') {
    if (!/\.(rollback|start)$/.test(e.effect.label) || e.effect.env === undefined) return undefined;
    return `      ${e.effect.label} with release ${previousRelease}'s variables: ${vars(e.effect.env, current)}`;
  }
  if (e.kind !== 'fact') return undefined;
  return factLine(e.fact);
}

function factLine(f: Fact): string | undefined {
  switch (f.type) {
    case 'prepare.step':
      return f.status === 'running' ? undefined : `  prepare ${f.name}: ${f.status}`;
    case 'service.state':
      if (f.state === 'waiting' || f.state === 'pending') return undefined;
      return `  ${f.service}: ${f.state}${f.attempt > 1 ? ` (attempt ${f.attempt}/${f.maxAttempts})` : ''}${f.state === 'failed' || f.state === 'unhealthy' || f.state === 'rollback-failed' ? ` — ${f.reason ?? ''}` : ''}`;
    case 'check':
      return f.ok ? undefined : `  check ${f.phase} ${f.name} fails: ${f.detail}`;
    case 'decision.requested': {
      const d = f.decision;
      return `  prompt (${d.kind} on ${d.subject}): ${d.choices.join(' | ')} (default ${d.defaultChoice})`;
    }
    case 'decision.taken':
      return `    → ${f.choice}`;
    case 'rollback.started':
      return `  rollback (scope ${f.scope}), in order: ${[...f.steps, ...f.cleanups.map((c) => `cleanup ${c}`)].join(' → ') || 'nothing'}`;
    case 'rollback.step':
      return f.status === 'started'
        ? `    ${f.service}: rollback step, attempt ${f.attempt}`
        : `    ${f.service}: ${f.status}${f.reason === undefined ? '' : ` — ${f.reason}`}`;
    case 'rollback.cleanup':
      return f.status === 'started' ? undefined : `    cleanup ${f.name}: ${f.status}`;
    case 'dry-run.action':
      return f.text.includes('(simulated') ? `  ${f.text}` : undefined;
    case 'release.recorded':
      return `  release ${f.release} recorded`;
    default:
      return undefined;
  }
}

/** The reason of the first failure the walk met (what every branch's result repeats). */
function failureOf(w: Walk): string | undefined {
  for (const e of w.entries)
    if (e.kind === 'fact' && e.fact.type === 'decision.requested') return e.fact.decision.message;
  return w.outcome.reason;
}

/** Where a branch leads after its answer: the states it enters, its rollback order, its result. */
function branchLines(w: Walk, promptIndex: number, failure: string | undefined): string[] {
  const at = w.prompts[promptIndex]?.at ?? 0;
  const later = w.prompts.slice(promptIndex + 1).map((p) => `${p.decision.kind} → ${p.choice}`);
  const rollback = w.entries
    .slice(at)
    .flatMap((e) => (e.kind === 'fact' && e.fact.type === 'rollback.started' ? [e.fact] : []))[0];
  return [
    `        states: ${statesOf(w, at).map(shortState).join(' → ')}`,
    ...(later.length > 0 ? [`        then (defaults): ${later.join(', ')}`] : []),
    ...(rollback === undefined
      ? []
      : [`        rollback: ${rollback.steps.join(' → ') || 'nothing'}`]),
    `        result: ${outcomeLine(sameFailure(w.outcome, failure))}`,
  ];
}

/** The outcome without its reason when that is the failure already said (or said with a prefix). */
function sameFailure(o: Outcome, failure: string | undefined): Outcome {
  if (failure === undefined || o.reason === undefined || !o.reason.includes(failure)) return o;
  const { reason: _r, ...rest } = o;
  return rest;
}

/** The whole text of `plan --fail`. */
export function formatWhatIf(w: WhatIf): string {
  const rel = w.previous.release;
  const out: string[] = [
    `what if ${w.service} fails at ${w.when} (simulated: nothing runs, nothing is written)`,
    w.previousRecorded
      ? `a rollback returns to release ${rel}, the one recorded before`
      : `a rollback returns to release ${rel} (assumed: none is recorded for this environment; every service with this plan's variables, RELEASE=${rel})`,
    'deployment statechart, states entered:',
    `  ${statesOf(w.main).map(shortState).join(' → ')}`,
    "what happens (prompts take the dry run's answer: proceed at a stage, else the default):",
  ];
  let rollingBack = false;
  for (const e of w.main.entries) {
    if (e.kind === 'fact' && e.fact.type === 'rollback.started') rollingBack = true;
    let l = line(e, rel, w.current);
    if (l === undefined) continue;
    // During the rollback, what each service does belongs to its step.
    if (rollingBack && e.kind === 'fact' && e.fact.type === 'service.state') l = `  ${l}`;
    // The fast startup polls of a failing probe fail alike: said once.
    if (out.at(-1) !== l) out.push(l);
  }
  out.push(`result: ${outcomeLine(w.main.outcome)}`);
  if (w.prompts.length > 0) out.push('each choice of each prompt:');
  for (const [i, p] of w.prompts.entries()) {
    const d = p.prompt.decision;
    out.push(
      `  ${i + 1}. ${d.kind} on ${d.subject}: ${d.choices.join(' | ')} (default ${d.defaultChoice})`,
    );
    for (const b of p.branches) {
      out.push(
        `      ${b.choice}${b.taken ? ' (the path above)' : ''}${b.choice === d.defaultChoice ? ' [default]' : ''}`,
      );
      out.push(...branchLines(b.walk, i, failureOf(w.main)));
    }
  }
  return `${out.join('\n')}\n`;
}
