/**
 * The line and JSON reporters: presenters of a run that print each fact as it is journaled —
 * one human line (`--plain`, no terminal) or one JSON object (`--json`, NDJSON) per fact. Both
 * read the run only through its view source, like the terminal UI.
 */
import type { Masker } from '../../core/mask.js';
import type { Outcome, StampedFact } from '../../record/facts.js';
import type { Presenter, ViewSource } from '../driver.js';
import { formatFact, painter } from './line-format.js';

/** Where a reporter writes, and how. */
export interface ReporterOptions {
  write: (text: string) => void;
  format: 'plain' | 'json';
  colour: boolean;
  mask: Masker;
  /** The exit code src/cli returns for an outcome (in the final line). */
  exitCodeOf: (outcome: Outcome) => number;
  /** The last lines of a service's output, shown when it turns unhealthy or fails. */
  logTail?: (service: string) => string[];
  /** Print every health attempt, not only those whose result changed (plain). */
  verboseProbes?: boolean;
}

const troubled = new Set(['unhealthy', 'failed', 'rollback-failed']);

/** A reporter presenter for `source`. */
export function startReporter(source: ViewSource, opts: ReporterOptions): Presenter {
  const paint = painter(opts.colour);
  const lastProbe = new Map<string, string>();
  const write = (text: string): void => opts.write(`${opts.mask.text(text)}\n`);
  const exitCode = (f: StampedFact): number =>
    f.type === 'deployment.finished' ? opts.exitCodeOf(f) : 0;
  const onFact = (f: StampedFact): void => {
    const tail =
      f.type === 'service.state' && troubled.has(f.state) ? opts.logTail?.(f.service) : undefined;
    if (opts.format === 'json') {
      const line = {
        ...f,
        ts: new Date(f.ts).toISOString(),
        deploymentId: source.record().deploymentId,
        ...(f.type === 'deployment.finished' ? { exitCode: exitCode(f) } : {}),
        ...(tail?.length ? { logTail: tail } : {}),
      };
      opts.write(`${JSON.stringify(opts.mask.value(line))}\n`);
      return;
    }
    if (f.type === 'health.attempt' && opts.verboseProbes !== true) {
      const key = `${f.probe}|${f.ok}|${f.detail}`;
      if (lastProbe.get(f.service) === key) return;
      lastProbe.set(f.service, key);
    }
    const line = formatFact(f, { record: source.record(), exitCode: exitCode(f) }, paint);
    if (line !== undefined) write(line);
    for (const l of tail ?? []) write(paint('dim', `    │ ${l}`));
  };
  const unsubscribe = source.subscribe(onFact);
  return {
    finish: () => {
      unsubscribe();
      return Promise.resolve();
    },
  };
}
