/**
 * `show`'s timeline of a run, from its record: the phases, the stages and every service with
 * the states it went through and the time spent in each, the checks, the decisions (who, when,
 * what) and the resumes. Pure.
 */
import { own } from '../core/own.js';
import type { CheckRow, RunRecord } from './fold.js';
import type { DecisionRecord, ResumeSummary } from './facts.js';

/** A span of the timeline: a phase, a stage or a service. */
interface Span {
  name: string;
  state: string;
  startedAt: number;
  finishedAt?: number;
  durationMs?: number;
  /** Services: every state it went through, in order (`activating` → `checking` → …). */
  steps?: Array<{ state: string; at: number }>;
}

/** The timeline `show` prints (and `show --json` gives). */
export interface Timeline {
  phases: Span[];
  stages: Span[];
  services: Span[];
  checks: CheckRow[];
  decisions: DecisionRecord[];
  resumes: Array<{ at: number; by: string; summary: ResumeSummary }>;
}

function closeSpans(spans: Span[], end: number | undefined): Span[] {
  return spans.map((s, i) => {
    const f = s.finishedAt ?? spans[i + 1]?.startedAt ?? end;
    return f === undefined ? s : { ...s, finishedAt: f, durationMs: f - s.startedAt };
  });
}

/** The timeline of a record. */
export function timelineOf(r: RunRecord): Timeline {
  const end = r.finishedAt ?? r.closed?.at;
  const phases = closeSpans(
    r.phases
      .filter((p) => p.phase !== 'done')
      .map((p) => ({ name: p.phase, state: '', startedAt: p.at })),
    end,
  );
  const stages = r.groups
    .filter((g) => g.startedAt !== undefined)
    .map((g) => {
      const span: Span = { name: g.name, state: g.status, startedAt: g.startedAt ?? 0 };
      if (g.finishedAt !== undefined)
        Object.assign(span, {
          finishedAt: g.finishedAt,
          durationMs: g.finishedAt - span.startedAt,
        });
      return span;
    });
  const services = r.serviceOrder.flatMap((name): Span[] => {
    const s = own(r.services, name);
    const first = s?.steps.find((st) => st.state !== 'pending' && st.state !== 'waiting');
    if (s === undefined || first === undefined) return [];
    const span: Span = {
      name,
      state: s.state,
      startedAt: s.startedAt ?? first.at,
      steps: s.steps.filter((st) => st.state !== 'pending'),
    };
    if (s.finishedAt !== undefined)
      Object.assign(span, { finishedAt: s.finishedAt, durationMs: s.finishedAt - span.startedAt });
    return [span];
  });
  return {
    phases,
    stages,
    services,
    checks: r.checks,
    decisions: r.decisions,
    resumes: r.resumes,
  };
}
