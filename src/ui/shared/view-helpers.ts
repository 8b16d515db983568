/**
 * Pure derivations from a DeploymentView for the Ink UI: which rows are live, counts per state,
 * the scrolling window, formatting of durations, probes and choices. No React, no I/O.
 */
import type { ServiceState } from '../../record/facts.js';
import type {
  Choice,
  DeploymentView,
  PendingDecision,
  ServiceView,
  StageView,
} from '../../record/view.js';

/** Glyph per service state (busy states show a spinner instead). */
export const stateGlyph: Record<ServiceState, string> = {
  pending: '·',
  waiting: '…',
  activating: '▸',
  checking: '▸',
  healthy: '✔',
  degraded: '▲',
  unhealthy: '✖',
  failed: '✖',
  skipped: '↷',
  'rolling-back': '↺',
  'rolled-back': '↺',
  'rollback-failed': '✖',
  'resolved-by-hand': '↺',
};

/** The order counts are shown in. */
const stateOrder: ServiceState[] = [
  'failed',
  'unhealthy',
  'rollback-failed',
  'degraded',
  'activating',
  'checking',
  'rolling-back',
  'waiting',
  'pending',
  'healthy',
  'skipped',
  'rolled-back',
  'resolved-by-hand',
];

/** A colour per state (undefined: default). The caller drops colours under NO_COLOR. */
export function stateColor(
  state: ServiceState,
): 'red' | 'yellow' | 'green' | 'cyan' | 'gray' | undefined {
  switch (state) {
    case 'failed':
    case 'unhealthy':
    case 'rollback-failed':
      return 'red';
    case 'degraded':
      return 'yellow';
    case 'healthy':
      return 'green';
    case 'activating':
    case 'checking':
    case 'rolling-back':
      return 'cyan';
    case 'pending':
    case 'waiting':
    case 'skipped':
      return 'gray';
    case 'resolved-by-hand':
      return 'yellow';
    default:
      return undefined;
  }
}

/** Whether a state is work in progress (shown with a spinner). */
export function isBusy(state: ServiceState): boolean {
  return state === 'activating' || state === 'checking' || state === 'rolling-back';
}

/** `850 ms`, `1.2s`, `1m05s`, `1h02m`. */
export function formatDuration(ms: number): string {
  const v = Math.max(0, ms);
  if (v < 1000) return `${Math.round(v)}ms`;
  if (v < 60_000) return `${(v / 1000).toFixed(1)}s`;
  const s = Math.floor(v / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** Seconds left until a deadline, never negative: `14m59s`, `9s`, `0s`. */
export function formatCountdown(deadline: number, now: number): string {
  const s = Math.max(0, Math.ceil((deadline - now) / 1000));
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/** Cut `text` to `width` columns with an ellipsis, then pad it to exactly `width`. */
export function fit(text: string, width: number): string {
  if (width <= 0) return '';
  const chars = [...text];
  if (chars.length <= width) return text + ' '.repeat(width - chars.length);
  return `${chars.slice(0, Math.max(0, width - 1)).join('')}…`;
}

const open = (s: StageView): boolean =>
  s.status === 'confirming' || s.status === 'running' || s.status === 'verifying';

/** The stage being confirmed, run or verified now (the first, for display groups). */
export function currentStage(view: DeploymentView): StageView | undefined {
  return view.stages.find(open);
}

/**
 * The groups in progress: the current stage; without `stages:`, every dependency layer that has
 * a service in progress (layers are display groups and overlap in time).
 */
export function openStages(view: DeploymentView): StageView[] {
  return view.explicitStages ? view.stages.filter(open).slice(0, 1) : view.stages.filter(open);
}

/**
 * Stages that are over, in plan order. A failed stage waits while a decision is pending or a
 * rollback runs (a retry runs it again, its rows are still changing): <Static> lines are final.
 */
export function finishedStages(view: DeploymentView): StageView[] {
  const open = view.pendingDecision !== undefined || view.phase === 'rolling-back';
  return view.stages.filter(
    (s) =>
      s.status === 'succeeded' ||
      s.status === 'skipped' ||
      s.status === 'incomplete' ||
      s.status === 'rolled-back' ||
      (s.status === 'failed' && !open),
  );
}

/**
 * The service rows of the live region: the current stage's services; during a rollback (or when no
 * stage is current) every service this deployment touched.
 */
export function liveServices(view: DeploymentView): ServiceView[] {
  const stages = openStages(view);
  if (stages.length > 0 && view.phase !== 'rolling-back') {
    const names = new Set(stages.flatMap((s) => s.services));
    return view.services.filter((s) => names.has(s.name));
  }
  if (view.phase === 'validating' || view.phase === 'preparing') return [];
  return view.services.filter((s) => s.state !== 'pending');
}

/** Number of services per state, in a fixed, most-urgent-first order, zero counts left out. */
export function countByState(
  services: ServiceView[],
): Array<{ state: ServiceState; count: number }> {
  const counts = new Map<ServiceState, number>();
  for (const s of services) counts.set(s.state, (counts.get(s.state) ?? 0) + 1);
  return stateOrder.flatMap((state) => {
    const count = counts.get(state) ?? 0;
    return count === 0 ? [] : [{ state, count }];
  });
}

/** A window of at most `size` items that keeps `index` visible, roughly centred. */
export function windowAround<T>(
  items: readonly T[],
  index: number,
  size: number,
): { start: number; items: readonly T[] } {
  const n = Math.max(1, size);
  if (items.length <= n) return { start: 0, items };
  const half = Math.floor(n / 2);
  const start = Math.min(Math.max(0, index - half), items.length - n);
  return { start, items: items.slice(start, start + n) };
}

/** The latest health attempt as `probe 2/3 · 503 · 12 ms`. */
export function probeText(s: ServiceView): string | undefined {
  const p = s.lastProbe;
  if (p === undefined) return undefined;
  return `probe ${p.attempt}/${p.of} · ${p.detail} · ${Math.round(p.durationMs)} ms`;
}

/**
 * How many lines `text` takes wrapped at `width` columns, words kept whole where they fit and
 * longer ones cut (as Ink's `wrap` does); every character counts one column.
 */
export function wrappedLines(text: string, width: number): number {
  const w = Math.max(1, width);
  let lines = 0;
  for (const paragraph of text.split('\n')) {
    let used = 0;
    lines += 1;
    for (const word of paragraph.split(' ')) {
      const n = [...word].length;
      const need = used === 0 ? n : used + 1 + n;
      if (need <= w) used = need;
      else if (n <= w) {
        lines += 1;
        used = n;
      } else {
        // A word longer than the line: it starts on a line of its own and is cut.
        if (used > 0) lines += 1;
        lines += Math.ceil(n / w) - 1;
        used = n % w === 0 ? w : n % w;
      }
    }
  }
  return lines;
}

/** Elapsed time of a service row (running or finished). */
export function serviceElapsed(s: ServiceView, now: number): string {
  if (s.startedAt === undefined) return '';
  return formatDuration((s.finishedAt ?? now) - s.startedAt);
}

/** Duration of a stage row. */
export function stageDuration(s: StageView, now: number): string {
  if (s.startedAt === undefined) return '';
  return formatDuration((s.finishedAt ?? now) - s.startedAt);
}

/** The label of a choice in a prompt (retry says which attempt it starts). */
export function choiceLabel(choice: Choice, decision: PendingDecision): string {
  switch (choice) {
    case 'retry':
      return decision.retry === undefined
        ? 'retry'
        : // The attempt a retry starts: operator retries are not capped, so no "n/cap".
          `retry (attempt ${decision.retry.n + 1})`;
    case 'skip-stage':
      return 'skip stage';
    case 'rollback':
      return 'roll back';
    case 'abort':
      return 'abort (leave things as they are)';
    case 'mark-resolved':
      return 'mark resolved (fixed by hand)';
    case 'keep':
      return 'keep this release';
    default:
      return choice;
  }
}

/** The title of a prompt per decision kind. */
export function decisionTitle(decision: PendingDecision): string {
  switch (decision.kind) {
    case 'confirm-stage':
      return `Confirm stage ${decision.subject}`;
    case 'failure':
      return `Failure: ${decision.subject}`;
    case 'degraded':
      return `Degraded: ${decision.subject}`;
    case 'readiness-warnings':
      return 'Readiness warnings';
    case 'rollback-step':
      return `Rollback step failed: ${decision.subject}`;
    case 'interrupted':
      return 'Interrupted';
    case 'watch-failed':
      return `Failed during the watch: ${decision.subject}`;
  }
}

/** Human text of a final result. */
export function resultTitle(result: NonNullable<DeploymentView['result']>): string {
  switch (result.result) {
    case 'succeeded':
      return '✔ deployment succeeded';
    case 'succeeded-with-warnings':
      return '▲ deployment succeeded with warnings';
    case 'failed':
      return '✖ deployment failed';
    case 'rollback-incomplete':
      return '✖ deployment failed; rollback incomplete: manual intervention needed';
    case 'aborted':
      return result.unchanged === true
        ? '■ deployment aborted before anything changed'
        : '■ deployment aborted: left as it is';
  }
}

const stageGlyphs: Partial<Record<StageView['status'], string>> = {
  succeeded: '✔',
  'rolled-back': '↺',
  skipped: '↷',
  incomplete: '◐',
  failed: '✖',
};

/** Glyph of a finished stage. */
export function stageGlyph(status: StageView['status']): string {
  return stageGlyphs[status] ?? '·';
}
