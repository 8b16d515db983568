/**
 * Formats view events as human-readable lines: one line per event, no cursor movement. Colour
 * only when asked (a TTY without NO_COLOR).
 */
import type { ViewEvent } from '../../machines/view-events.js';

const styles = { red: 31, green: 32, yellow: 33, cyan: 36, dim: 2, bold: 1 } as const;
type Style = keyof typeof styles;

/** A function that colours text, or leaves it as is. */
export type Paint = (style: Style, text: string) => string;

/** Painting with ANSI colours, or none. */
export function painter(colour: boolean): Paint {
  return colour ? (s, t) => `\u001b[${styles[s]}m${t}\u001b[0m` : (_s, t) => t;
}

const ms = (n: number): string => (n < 1000 ? `${Math.round(n)} ms` : `${(n / 1000).toFixed(1)} s`);

const stateStyle: Partial<Record<string, Style>> = {
  healthy: 'green',
  'rolled-back': 'green',
  degraded: 'yellow',
  skipped: 'yellow',
  unhealthy: 'red',
  failed: 'red',
  'rollback-failed': 'red',
};

/** The line for one event, or undefined when the event is not worth a line of its own. */
export function formatLine(e: ViewEvent, paint: Paint): string | undefined {
  switch (e.type) {
    case 'deployment.started':
      return paint('bold', `deploy ${e.project} → ${e.environment} (${e.deploymentId})`);
    case 'phase':
      return paint('cyan', `── ${e.phase}`);
    case 'stage.status': {
      const took = e.durationMs === undefined ? '' : ` in ${ms(e.durationMs)}`;
      const style: Style =
        e.status === 'failed' ? 'red' : e.status === 'succeeded' ? 'green' : 'cyan';
      return paint(style, `stage ${e.stage}: ${e.status}${took}`);
    }
    case 'service.state': {
      const attempt = e.maxAttempts > 1 ? ` (attempt ${e.attempt}/${e.maxAttempts})` : '';
      const reason = e.reason === undefined ? '' : ` — ${e.reason}`;
      const style = stateStyle[e.state];
      const text = `  ${e.service}: ${e.state}${attempt}${reason}`;
      return style === undefined ? text : paint(style, text);
    }
    case 'health.attempt': {
      const mark = e.ok ? '✓' : '✗';
      return paint(
        'dim',
        `    ${e.service}: ${e.probe} ${e.attempt}/${e.of} ${mark} ${e.detail} (${ms(e.durationMs)})`,
      );
    }
    case 'decision.requested': {
      const d = e.decision;
      const left = Math.max(0, Math.round((d.deadline - Date.now()) / 1000));
      return paint(
        'yellow',
        `? ${d.message} [${d.choices.join(' | ')}] default ${d.defaultChoice} in ${left} s`,
      );
    }
    case 'decision.taken':
      return paint('yellow', `  decision on ${e.subject}: ${e.choice} (by ${e.by})`);
    case 'warning':
      return paint('yellow', `! ${e.message}`);
    case 'deployment.finished': {
      const style: Style = e.exitCode === 0 ? 'green' : 'red';
      const lines = [
        paint(style, `${e.result} (exit ${e.exitCode})${e.reason ? ` — ${e.reason}` : ''}`),
      ];
      if (e.restored?.length) lines.push(`  restored: ${e.restored.join(', ')}`);
      for (const n of e.notRestored ?? [])
        lines.push(paint('red', `  NOT restored: ${n.name} — ${n.reason}`));
      return lines.join('\n');
    }
  }
}
