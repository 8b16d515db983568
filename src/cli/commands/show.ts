/**
 * `stagecraft show <id>`: one deployment's timeline from its meta.json and journal.jsonl — the
 * phases of the root statechart, each stage and service with its duration and last state, every
 * decision (who, when, what) and every resume; `--json` prints the same as one object.
 */
import { readJournal, type JournalEntry } from '../../state/journal.js';
import { effectiveStatus, readMeta } from '../../state/meta.js';
import { statePaths } from '../../state/layout.js';
import { finishedStates } from '../../machines/deployment-context.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { loadPlan } from '../load-plan.js';
import type { CommonOptions } from '../options.js';
import { stateDirFor } from '../state-dir.js';
import { UsageError } from '../usage-error.js';
import { formatDuration, historyRow } from './history.js';

/** A span of the timeline: a phase, a stage or a service. */
export interface Span {
  name: string;
  state: string;
  startedAt: number;
  finishedAt?: number;
  durationMs?: number;
  /** Services: every state it went through, in order (`activating` → `checking` → …). */
  steps?: Array<{ state: string; at: number }>;
}

/** One decision as journaled: the event the root statechart received. */
export interface DecisionLine {
  at: number;
  choice: string;
  by: string;
}

/** The timeline `show` prints. */
export interface Timeline {
  phases: Span[];
  stages: Span[];
  services: Span[];
  decisions: DecisionLine[];
  resumes: Array<{ at: number; by: string; probedHealthy: string[] }>;
  tornTail: boolean;
}

type Ev = { type: string; [k: string]: unknown };
const text = (v: unknown, fallback: string): string => (typeof v === 'string' ? v : fallback);
const isRootEvent = (e: JournalEntry): boolean =>
  e.type === 'event' && e.actor === e.session && /^x:0$/.test(String(e.actor));

function closeSpans(spans: Span[], end: number | undefined): Span[] {
  return spans.map((s, i) => {
    const f = s.finishedAt ?? spans[i + 1]?.startedAt ?? end;
    return f === undefined ? s : { ...s, finishedAt: f, durationMs: f - s.startedAt };
  });
}

/** Builds the timeline from journal entries (a pure function, so it is easy to test). */
export function buildTimeline(entries: JournalEntry[], tornTail = false): Timeline {
  const phases: Span[] = [];
  const stages = new Map<string, Span>();
  const services = new Map<string, Span>();
  const decisions: DecisionLine[] = [];
  const resumes: Timeline['resumes'] = [];
  let end: number | undefined;
  // After `rollback.resumed` the root is the rollback machine (resume of an interrupted rollback).
  let rollbackRoot = false;
  for (const e of entries) {
    if (e.type === 'rollback.resumed') rollbackRoot = true;
    if (e.type === 'resume')
      resumes.push({
        at: e.ts,
        by: text(e.by, '?'),
        probedHealthy: (e.probedHealthy as string[] | undefined) ?? [],
      });
    if (e.type === 'deployment.closed') end = e.ts;
    if (e.type === 'transition' && e.actor === e.session && e.actor === 'x:0') {
      const v = e.value;
      const value = typeof v === 'string' ? v : (Object.keys(v as object)[0] ?? '?');
      const top = rollbackRoot && value !== 'done' ? 'rollingBack' : value;
      if (phases.at(-1)?.name !== top)
        phases.push({ name: top, state: text(e.status, ''), startedAt: e.ts });
    }
    if (!isRootEvent(e)) continue;
    const ev = e.event as Ev;
    if (ev.type === 'stage.update') {
      const name = String(ev.stage);
      const at = Number(ev.at ?? e.ts);
      const old = stages.get(name);
      stages.set(name, {
        name,
        state: String(ev.status),
        startedAt: old?.startedAt ?? at,
        ...(ev.status === 'failed' ? { finishedAt: at } : {}),
      });
    } else if (ev.type === 'service.update') {
      const name = String(ev.service);
      const at = Number(ev.at ?? e.ts);
      const state = String(ev.state);
      const old = services.get(name);
      if (state === 'pending' || state === 'waiting') {
        if (old === undefined) services.set(name, { name, state, startedAt: at });
        continue;
      }
      const restart = state === 'activating' || state === 'rolling-back';
      const startedAt =
        restart || old === undefined || old.state === 'pending' || old.state === 'waiting'
          ? at
          : old.startedAt;
      const steps = old?.steps ?? [];
      if (steps.at(-1)?.state !== state) steps.push({ state, at });
      const span: Span = { name, state, startedAt, steps };
      if (finishedStates.has(state))
        Object.assign(span, { finishedAt: at, durationMs: at - startedAt });
      services.set(name, span);
    } else if (ev.type.startsWith('decision.')) {
      decisions.push({
        at: e.ts,
        choice: ev.type.slice('decision.'.length),
        by: text(ev.by, '?'),
      });
    }
  }
  // A stage ends when the next one starts or the root leaves `activating`.
  const stageList = [...stages.values()].sort((a, b) => a.startedAt - b.startedAt);
  const leftActivating = phases.find(
    (p, i) => i > 0 && phases[i - 1]?.name === 'activating',
  )?.startedAt;
  const stageSpans = closeSpans(stageList, leftActivating ?? end).map((s) =>
    (s.state === 'running' || s.state === 'verifying') && s.finishedAt !== undefined
      ? { ...s, state: 'succeeded' }
      : s,
  );
  return {
    phases: closeSpans(phases, end),
    stages: stageSpans,
    services: [...services.values()],
    decisions,
    resumes,
    tornTail,
  };
}

const clock = (ms: number) => new Date(ms).toISOString().slice(11, 23);

/** Runs `show <id>`: exit 0, or 2 when there is no such deployment. */
export async function showCommand(id: string, opts: CommonOptions, io: CliIo): Promise<number> {
  const plan = await loadPlan(opts, io);
  const stateDir = stateDirFor(plan, io.cwd, opts.stateDir);
  const meta = await readMeta(stateDir, id);
  if (meta === undefined)
    throw new UsageError(`no deployment ${id} in ${stateDir}: see \`stagecraft history\``);
  const { entries, tornTail } = await readJournal(statePaths.journal(stateDir, id));
  const t = buildTimeline(entries, tornTail);
  const row = historyRow(meta);
  if (opts.json === true) {
    io.stdout.write(
      `${JSON.stringify({ ...row, environment: meta.environment, status: effectiveStatus(meta), configHash: meta.configHash, ...t })}\n`,
    );
    return EXIT.ok;
  }
  const out = (s: string) => io.stdout.write(`${s}\n`);
  out(`deployment ${meta.id}: ${meta.project} → ${meta.environment}`);
  out(`  started ${meta.startedAt} by ${row.who} (pid ${meta.pid}): ${meta.command}`);
  out(
    `  result  ${row.result}${row.exitCode === undefined ? '' : ` (exit ${row.exitCode})`} after ${formatDuration(row.durationMs)}${row.release ? `, release ${row.release}` : ''}`,
  );
  if (tornTail) out('  (the journal ends in a torn line, written during a crash: ignored)');
  const spans = (title: string, list: Span[]) => {
    if (list.length === 0) return;
    out(title);
    for (const s of list)
      out(
        `  ${clock(s.startedAt)}  ${s.name.padEnd(14)} ${s.state.padEnd(14)} ${formatDuration(s.durationMs)}`,
      );
  };
  spans('phases:', t.phases);
  spans('stages:', t.stages);
  spans('services:', t.services);
  const path = (steps: NonNullable<Span['steps']>) =>
    steps
      .map((st, i) => {
        const next = steps[i + 1];
        return next === undefined ? st.state : `${st.state} ${formatDuration(next.at - st.at)}`;
      })
      .join(' → ');
  const withPaths = t.services.filter((sv) => (sv.steps?.length ?? 0) > 1);
  if (withPaths.length > 0) {
    out('service paths:');
    for (const sv of withPaths) out(`  ${sv.name.padEnd(14)} ${path(sv.steps ?? [])}`);
  }
  if (t.decisions.length > 0) {
    out('decisions:');
    for (const d of t.decisions) out(`  ${clock(d.at)}  ${d.choice.padEnd(14)} by ${d.by}`);
  }
  for (const r of t.resumes)
    out(
      `resumed ${new Date(r.at).toISOString()} by ${r.by}; found healthy: ${r.probedHealthy.join(', ') || 'none'}`,
    );
  return EXIT.ok;
}
