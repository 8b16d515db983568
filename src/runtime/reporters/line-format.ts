/**
 * Formats facts as human-readable lines: one line per fact worth one, no cursor movement. Colour
 * only when asked (a terminal without NO_COLOR).
 */
import type { StampedFact } from '../../record/facts.js';
import type { RunRecord } from '../../record/fold.js';

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
  restored: 'green',
  stopped: 'green',
  degraded: 'yellow',
  skipped: 'yellow',
  'not-ours': 'yellow',
  unhealthy: 'red',
  failed: 'red',
  'rollback-failed': 'red',
};

const paintState = (paint: Paint, state: string, text: string): string => {
  const style = stateStyle[state];
  return style === undefined ? text : paint(style, text);
};

/** What the line for an exit needs: the exit code the CLI will return. */
export interface LineContext {
  record: RunRecord;
  exitCode: number;
}

/**
 * The line for one fact, or undefined when the fact is not worth a line of its own. `record` is
 * the run's record with the fact already applied (for durations and names).
 */
export function formatFact(f: StampedFact, c: LineContext, paint: Paint): string | undefined {
  const r = c.record;
  switch (f.type) {
    case 'run.started': {
      const what =
        f.kind === 'rollback'
          ? `rollback ${f.project} → ${f.environment}${f.target ? ` to ${f.target.release}` : ''}`
          : `${f.kind === 'down' ? 'down' : 'deploy'} ${f.project} → ${f.environment}`;
      return paint('bold', `${what} (${f.deploymentId})`);
    }
    case 'phase':
      return f.phase === 'done' ? undefined : paint('cyan', `── ${f.phase}`);
    case 'prerequisites.checked':
      return f.ok
        ? undefined
        : paint('red', `  prerequisites not met: ${r.prerequisites?.failed.join('; ') ?? ''}`);
    case 'prepare.step':
    case 'prepare.cleanup': {
      if (f.status === 'running') return undefined;
      const what = f.type === 'prepare.step' ? 'prepare' : 'cleanup';
      const detail = f.detail === undefined ? '' : ` — ${f.detail}`;
      return paintState(paint, f.status, `  ${what} ${f.name}: ${f.status}${detail}`);
    }
    case 'stage.status': {
      const row = r.stages.find((s) => s.name === f.stage);
      if (row === undefined || !row.gate) return undefined;
      const took =
        row.startedAt !== undefined && row.finishedAt !== undefined
          ? ` in ${ms(row.finishedAt - row.startedAt)}`
          : '';
      const style: Style =
        f.status === 'failed' ? 'red' : f.status === 'succeeded' ? 'green' : 'cyan';
      return paint(
        style,
        `stage ${f.stage}: ${f.status}${took}${f.detail ? ` (${f.detail})` : ''}`,
      );
    }
    case 'service.state': {
      const attempt = f.maxAttempts > 1 ? ` (attempt ${f.attempt}/${f.maxAttempts})` : '';
      const reason = f.reason === undefined ? '' : ` — ${f.reason}`;
      return paintState(paint, f.state, `  ${f.service}: ${f.state}${attempt}${reason}`);
    }
    case 'service.activated':
      return f.resumed === true
        ? paint(
            'dim',
            `    ${f.service}: activation journaled as succeeded before the interruption: not run again`,
          )
        : undefined;
    case 'service.process':
      return f.resumed === true
        ? paint(
            'dim',
            `    ${f.service}: its process from this deployment is running (pid ${f.pid}): not started again`,
          )
        : undefined;
    case 'health.attempt': {
      const mark = f.ok ? '✓' : '✗';
      return paint(
        'dim',
        `    ${f.service}: ${f.probe} ${f.attempt}/${f.of} ${mark} ${f.detail} (${ms(f.durationMs)})`,
      );
    }
    case 'check': {
      const mark = f.ok ? '✓' : '✗';
      const where =
        f.stage !== undefined
          ? `stage ${f.stage} verify`
          : f.service !== undefined
            ? `${f.phase} ${f.service}`
            : f.phase;
      const line = `  ${mark} ${where} ${f.name}: ${f.detail}`;
      return f.ok ? line : paint(f.severity === 'warning' ? 'yellow' : 'red', line);
    }
    case 'decision.requested': {
      const d = f.decision;
      const left = Math.max(0, Math.round((d.deadline - Date.now()) / 1000));
      return paint(
        'yellow',
        `? ${d.message} [${d.choices.join(' | ')}] default ${d.defaultChoice} in ${left} s`,
      );
    }
    case 'decision.taken':
      return paint('yellow', `  decision on ${f.subject}: ${f.choice} (by ${f.by})`);
    case 'warning':
      return paint('yellow', `! ${f.message}`);
    case 'notify.attempt':
      if (f.status === 'sent')
        return `  notified ${f.target} (${f.kind}) of ${f.event}: ${f.detail}`;
      return paint(
        'yellow',
        f.status === 'retrying'
          ? `  notify ${f.target} (${f.kind}): ${f.detail}; retrying in ${((f.retryInMs ?? 0) / 1000).toFixed(1)} s`
          : `  notify ${f.target} (${f.kind}) of ${f.event} failed: ${f.detail}`,
      );
    case 'rollback.started':
      return paint(
        'cyan',
        `  rolling back: ${[...f.steps, ...f.cleanups].join(' → ') || 'nothing to undo'}`,
      );
    case 'rollback.step': {
      // A step starting is its service rolling back; `rolled-back` is the service's own state.
      if (f.status === 'started') {
        const attempt = f.attempt > 1 ? ` (attempt ${f.attempt})` : '';
        return paintState(paint, 'rolling-back', `  ${f.service}: rolling-back${attempt}`);
      }
      if (f.status === 'restored') return undefined;
      const reason = f.reason === undefined ? '' : ` — ${f.reason}`;
      return paintState(paint, f.status, `  ${f.service}: ${f.status}${reason}`);
    }
    case 'rollback.cleanup': {
      if (f.status === 'started') return undefined;
      const reason = f.reason === undefined ? '' : ` — ${f.reason}`;
      return paintState(
        paint,
        f.status === 'done' ? 'restored' : f.status,
        `  cleanup ${f.name}: ${f.status}${reason}`,
      );
    }
    case 'down.service': {
      if (f.status === 'stopping') return undefined;
      const label =
        f.status === 'not-running'
          ? 'not running'
          : f.status === 'not-ours'
            ? 'left running'
            : f.status;
      return paintState(
        paint,
        f.status,
        `  ${f.service}: ${label}${f.detail === undefined ? '' : ` (${f.detail})`}`,
      );
    }
    case 'release.recorded':
      return paint('dim', `  release ${f.release} recorded`);
    case 'resume.planned': {
      const s = f.summary;
      const lines = [paint('bold', `resuming ${r.deploymentId} (stopped while ${s.phase})`)];
      if (s.rollback !== undefined)
        lines.push(
          `  continuing its rollback; already restored: ${s.rollback.restored.join(', ') || 'none'}`,
        );
      if (s.prepared.length > 0)
        lines.push(`  prepare: ${s.prepared.join(', ')} journaled as done: not run again`);
      if (s.stagesDone.length > 0)
        lines.push(
          `  stages ${s.stagesDone.join(', ')} journaled as succeeded and still healthy: not run again`,
        );
      for (const e of s.services)
        lines.push(
          `  ${e.service}: ${e.entry === 'health' ? 're-checked by probing' : 'activated again'}: ${e.why}`,
        );
      return lines.join('\n');
    }
    case 'lock.takenOver':
      return paint('yellow', `! took over the stale lock of ${f.from}`);
    case 'orphan.stopped': {
      const what = `the in-flight command of step ${f.step} (pid ${f.pid}) left by the killed run ${f.deploymentId}`;
      return f.how === 'survived'
        ? paint('red', `! could not stop ${what}: it survived SIGKILL`)
        : paint('yellow', `! ${f.how} ${what}`);
    }
    case 'deployment.finished': {
      const style: Style = c.exitCode === 0 ? 'green' : 'red';
      const lines = [
        paint(style, `${f.result} (exit ${c.exitCode})${f.reason ? ` — ${f.reason}` : ''}`),
      ];
      if (f.restored?.length) lines.push(`  restored: ${f.restored.join(', ')}`);
      for (const n of f.notRestored ?? [])
        lines.push(paint('red', `  NOT restored: ${n.name} — ${n.reason}`));
      return lines.join('\n');
    }
    case 'dry-run.action':
      return `  would ${f.text}`;
    case 'watch.started':
      return paint(
        'bold',
        `watching ${f.services.join(', ') || 'no services'} for ${ms(f.windowMs)} (every ${ms(f.intervalMs)})`,
      );
    case 'watch.probe':
      return f.ok ? undefined : paint('yellow', `  ${f.service}: ${f.probe} failed — ${f.detail}`);
    case 'watch.alert':
      return paint('red', `! ${f.service} failed ${ms(f.atMs)} into the watch — ${f.reason}`);
    case 'watch.recovered':
      return paint('green', `  ${f.service} recovered ${ms(f.atMs)} into the watch`);
    case 'watch.verdict': {
      const why = f.reason === undefined ? '' : ` — ${f.reason}`;
      const style: Style =
        f.verdict === 'healthy' ? 'green' : f.verdict === 'failed' ? 'red' : 'yellow';
      return paint(style, `watch ${f.verdict} after ${ms(f.atMs)}${why}`);
    }
    case 'interrupted':
    case 'monitor.lost':
    case 'run.closed':
      return undefined;
  }
}
