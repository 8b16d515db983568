/**
 * The watch without a terminal: one line per change (`--plain`, or no TTY) or one JSON object
 * per line (`--json`): the start, each verdict change of a service, and the end. It reads the
 * same board the Ink screen does.
 */
import type { WatchBoard, WatchChange, WatchView } from './board.js';

/** Where the lines go. */
interface LineSink {
  write(chunk: string): unknown;
}

const clock = (at: number): string => new Date(at).toISOString().slice(11, 19);
const ms = (v: number): string => (v < 1000 ? `${Math.round(v)}ms` : `${(v / 1000).toFixed(1)}s`);

/** The line of one change. */
function changeLine(c: WatchChange, width: number): string {
  const latency = c.lastMs === undefined ? '' : `  ${ms(c.lastMs)}`;
  const detail = c.detail === undefined ? '' : `  ${c.detail}`;
  return `${clock(c.at)} ${c.service.padEnd(width)}  ${c.verdict.padEnd(9)}${latency}${detail}\n`;
}

/** The JSON object of one change. */
function changeJson(c: WatchChange): string {
  return `${JSON.stringify({
    type: 'watch.change',
    service: c.service,
    verdict: c.verdict,
    ...(c.lastMs === undefined ? {} : { latencyMs: c.lastMs }),
    ...(c.detail === undefined ? {} : { detail: c.detail }),
    at: new Date(c.at).toISOString(),
  })}\n`;
}

/** Writes the start now and each change as it happens; returns what writes the end. */
export function watchLines(
  board: WatchBoard,
  format: 'plain' | 'json',
  out: LineSink,
): { end(): void } {
  const v = board.getSnapshot();
  const names = v.rows.map((r) => r.name);
  if (format === 'json') {
    out.write(
      `${JSON.stringify({
        type: 'watch.started',
        project: v.project,
        environment: v.environment,
        services: names,
        intervalMs: v.intervalMs,
        ...(v.forMs === undefined ? {} : { forMs: v.forMs }),
      })}\n`,
    );
  } else {
    const services = `${names.length} service${names.length === 1 ? '' : 's'}`;
    const until = v.forMs === undefined ? 'until interrupted' : `for ${ms(v.forMs)}`;
    out.write(
      `watching ${v.project} → ${v.environment}: ${services} every ${ms(v.intervalMs)} ${until}\n`,
    );
  }
  const width = Math.max(...names.map((n) => n.length));
  const detach = board.onChange((c) =>
    out.write(format === 'json' ? changeJson(c) : changeLine(c, width)),
  );
  return {
    end: () => {
      detach();
      out.write(endLine(board.getSnapshot(), format));
    },
  };
}

/** What the line and JSON outputs say at the end. */
function endLine(view: WatchView, format: 'plain' | 'json'): string {
  const bad = view.rows.filter((r) => r.verdict !== 'healthy');
  const interrupted = view.ended?.interrupted === true;
  if (format === 'json')
    return `${JSON.stringify({
      type: 'watch.ended',
      interrupted,
      healthy: bad.length === 0,
      afterMs: view.ended?.atMs ?? 0,
      services: view.rows.map((r) => ({
        service: r.name,
        verdict: r.verdict,
        ...(r.lastMs === undefined ? {} : { latencyMs: r.lastMs }),
        ...(r.detail === undefined ? {} : { detail: r.detail }),
        history: r.history,
      })),
    })}\n`;
  const how = `watch ${interrupted ? 'stopped' : 'ended'} after ${ms(view.ended?.atMs ?? 0)}`;
  return bad.length === 0
    ? `${how}: every service healthy\n`
    : `${how}: not healthy: ${bad.map((r) => `${r.name} (${r.verdict})`).join(', ')}\n`;
}
