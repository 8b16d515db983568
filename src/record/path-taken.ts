/**
 * The path a deployment took through the deployment statechart, read back from its facts: each
 * state entered (by its statechart id) with the time, the time spent in each state, and every
 * decision with who took it. The facts name phases, stages and prompts; this maps them onto the
 * states that record them, so `show --format svg` can draw the path over the very statechart.
 */
import type { DecisionRecord, StampedFact } from './facts.js';

/** A state entered at `at` (epoch ms). */
interface Entered {
  state: string;
  at: number;
}

/** The path of one deployment. */
export interface PathTaken {
  entered: Entered[];
  /** Time spent in each state entered (ms, summed over its visits), and how many visits. */
  time: Record<string, { ms: number; visits: number }>;
  decisions: DecisionRecord[];
}

const D = 'deployment';

/** The states a fact says were entered, in order (none for most facts). */
function statesOf(f: StampedFact, phase: string): string[] {
  switch (f.type) {
    case 'phase':
      switch (f.phase) {
        case 'validating':
          return [`${D}.validating`];
        case 'preparing':
          return [`${D}.preparing`];
        case 'activating':
          return [`${D}.activating`];
        case 'verifying':
          return [`${D}.verifying`, `${D}.verifying.checking`];
        case 'finalizing':
          return [`${D}.finalizing`];
        case 'rolling-back':
          return [`${D}.rollingBack`];
        case 'done':
          return [`${D}.done`, `${D}.finished`];
        default:
          return [];
      }
    case 'prepare.step':
      return f.status === 'running' ? [`${D}.preparing.running`] : [];
    case 'prepare.cleanup':
      return f.status === 'running'
        ? [`${D}.preparing.cleaningUp`, `${D}.preparing.cleaningUp.running`]
        : [];
    case 'stage.status':
      if (f.status === 'confirming') return [`${D}.activating.confirming`];
      if (f.status === 'running')
        return [`${D}.activating.running`, `${D}.activating.running.working`];
      return [];
    case 'decision.requested':
      switch (f.decision.kind) {
        case 'failure':
          return phase === 'activating' ? [`${D}.activating.running.deciding`] : [`${D}.deciding`];
        case 'degraded':
          return [`${D}.activating.degraded`];
        case 'readiness-warnings':
          return [`${D}.verifying.warnings`];
        default:
          return [];
      }
    case 'decision.taken':
      return phase === 'activating' && (f.choice === 'retry' || f.choice === 'skip')
        ? [`${D}.activating.running.working`]
        : [];
    case 'watch.started':
      return [`${D}.finalizing.watching`];
    case 'release.recorded':
      return [`${D}.finalizing.recording`];
    default:
      return [];
  }
}

/** Reads the path from a deployment's facts (in journal order). */
export function pathTaken(facts: readonly StampedFact[]): PathTaken {
  const entered: Entered[] = [];
  const decisions: DecisionRecord[] = [];
  let phase = '';
  for (const f of facts) {
    if (f.type === 'phase') phase = f.phase;
    if (f.type === 'decision.taken') {
      const { type: _t, ts: _ts, ...d } = f;
      decisions.push(d);
    }
    for (const state of statesOf(f, phase)) entered.push({ state, at: f.ts });
  }
  const end = facts.at(-1)?.ts ?? 0;
  const time: PathTaken['time'] = {};
  for (const [i, e] of entered.entries()) {
    // A visit ends when a state outside it is entered, or it is entered again.
    const left = entered
      .slice(i + 1)
      .find((x) => x.state === e.state || !x.state.startsWith(`${e.state}.`));
    const t = (time[e.state] ??= { ms: 0, visits: 0 });
    t.ms += Math.max(0, (left?.at ?? end) - e.at);
    t.visits += 1;
  }
  return { entered, time, decisions };
}
