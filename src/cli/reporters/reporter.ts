/**
 * Line and JSON reporters: both subscribe to the deployment actor, read it only through
 * selectView, and turn successive views into events (view-events.ts).
 */
import type { DecisionRecord, DeploymentView } from '../../machines/selectors.js';
import { diffViews, type ViewEvent } from '../../machines/view-events.js';
import { formatLine, painter } from './line-format.js';

/** What a reporter needs from the running deployment. */
export interface ReportSource {
  view(): DeploymentView;
  decisions(): readonly DecisionRecord[];
  subscribe(listener: () => void): { unsubscribe(): void };
}

/** Where a reporter writes, and how. */
export interface ReporterOptions {
  write: (text: string) => void;
  format: 'plain' | 'json';
  colour: boolean;
  /** Masks secret values in any text before it is written. */
  redact: (text: string) => string;
  /** Health attempts are frequent: print only changes of result (plain). */
  verboseProbes?: boolean;
  /** The last lines of a service's output, shown when it turns unhealthy or fails. */
  logTail?: (service: string) => string[];
}

const troubled = new Set(['unhealthy', 'failed']);

/** A running reporter. `flush` emits what changed since the last notification. */
export interface Reporter {
  flush(): void;
  stop(): void;
}

/** Subscribes a line or JSON reporter to a deployment. */
export function startReporter(source: ReportSource, opts: ReporterOptions): Reporter {
  const paint = painter(opts.colour);
  let prev: DeploymentView | undefined;
  let seenDecisions = 0;
  const lastProbe = new Map<string, string>();
  const emit = (e: ViewEvent): void => {
    const tail =
      e.type === 'service.state' && troubled.has(e.state) ? opts.logTail?.(e.service) : undefined;
    if (opts.format === 'json') {
      const base = { ts: new Date().toISOString(), deploymentId: source.view().deploymentId };
      const extra = tail?.length ? { logTail: tail } : {};
      opts.write(opts.redact(JSON.stringify({ ...base, ...e, ...extra })) + '\n');
      return;
    }
    if (e.type === 'health.attempt' && opts.verboseProbes !== true) {
      const key = `${e.probe}|${e.ok}|${e.detail}`;
      if (lastProbe.get(e.service) === key) return;
      lastProbe.set(e.service, key);
    }
    const line = formatLine(e, paint);
    if (line !== undefined) opts.write(opts.redact(line) + '\n');
    for (const l of tail ?? []) opts.write(opts.redact(paint('dim', `    │ ${l}`)) + '\n');
  };
  const flush = (): void => {
    const next = source.view();
    const decisions = source.decisions();
    for (const e of diffViews(prev, next, decisions, seenDecisions)) emit(e);
    prev = next;
    seenDecisions = decisions.length;
  };
  const sub = source.subscribe(flush);
  flush();
  return {
    flush,
    stop: () => {
      flush();
      sub.unsubscribe();
    },
  };
}
