/**
 * The rollback screen (`stagecraft rollback` on a terminal): a header, a row per service in
 * rollback order with its state, the `prepare` cleanups, the rollback-step prompt (retry, mark
 * resolved, abort) with its default and countdown, and a final summary. It reads the run's record
 * through selectRollbackView and only sends decision events.
 */
import { Box, Text, useApp, useStdout } from 'ink';
import { useEffect } from 'react';
import { escapeControls } from '../../core/control-chars.js';
import { choiceKeys, choiceToEvent } from '../../record/decisions.js';
import type { ViewSource } from '../../record/source.js';
import {
  selectRollbackView,
  type Choice,
  type ExitCodeOf,
  type ResultView,
} from '../../record/view.js';
import { useTone } from '../shared/colors.js';
import { Prompt, promptLines } from '../shared/prompt.js';
import { useDecisionKeys } from '../shared/use-decision-keys.js';
import { useThrottledSelect } from '../shared/use-throttled-select.js';
import { useFrame, useNow } from '../shared/use-ticker.js';
import { formatDuration } from '../shared/view-helpers.js';
import { RollbackRows, rowBusy } from './rows.js';

/** What the CLI tells the screen. */
export interface RollbackUiOptions {
  /** The release rolled back to, e.g. `2026.11.26 (deployment dep-…)`. */
  target: string;
  journalPath?: string;
  /** Who answers (recorded with each decision); default `operator`. */
  by?: string;
  frameMs?: number;
  /** The exit code the CLI returns for an outcome (shown on the final screen). */
  exitCodeOf: ExitCodeOf;
}

/** The root component of the rollback screen. */
export function RollbackApp({
  source,
  options,
}: {
  source: ViewSource;
  options: RollbackUiOptions;
}) {
  const view = useThrottledSelect(
    source,
    (r) => selectRollbackView(r, options.exitCodeOf),
    options.frameMs,
  );
  const { exit } = useApp();
  const { stdout } = useStdout();
  const tone = useTone();
  const done = view.phase === 'done';
  useNow(1000, !done);
  const now = Date.now();
  const frame = useFrame(
    100,
    !done && [...view.steps, ...view.cleanups].some((r) => rowBusy(r.state)),
  );
  const decision = done ? undefined : view.pendingDecision;
  const keys = useDecisionKeys<Choice>(decision, {
    keyOf: (c) => choiceKeys[c],
    onChoice: (c) => source.send(choiceToEvent(c, options.by ?? 'operator')),
    onInterrupt: () => source.send({ type: 'run.interrupt' }),
  });

  useEffect(() => {
    if (done) exit();
  }, [done, exit]);

  const height = stdout.rows > 0 ? stdout.rows : 24;
  const columns = stdout.columns > 0 ? stdout.columns : 80;
  const cleanupLines = view.cleanups.length === 0 ? 0 : Math.min(view.cleanups.length, 3) + 1;
  const stepBudget = Math.max(1, height - 5 - promptLines(decision, columns) - cleanupLines);

  return (
    <Box flexDirection="column">
      <Text wrap="truncate">
        <Text bold>stagecraft {view.project}</Text>
        <Text> → {view.environment}</Text>
        <Text dimColor>
          {' '}
          · rollback to {escapeControls(options.target)} · {view.deploymentId} ·{' '}
        </Text>
        <Text bold color={tone(done ? undefined : decision === undefined ? 'yellow' : 'magenta')}>
          {view.phase}
        </Text>
        <Text dimColor> · {formatDuration(now - view.startedAt)}</Text>
      </Text>
      <RollbackRows title="services" rows={view.steps} size={stepBudget} frame={frame} />
      {view.cleanups.length > 0 && (
        <RollbackRows title="cleanups" rows={view.cleanups} size={3} frame={frame} />
      )}
      {decision !== undefined && (
        <Prompt decision={decision} highlighted={keys.highlighted} now={now} />
      )}
      {done && view.result !== undefined ? (
        <Summary result={view.result} journalPath={options.journalPath} />
      ) : (
        <Text dimColor wrap="truncate">
          {view.interrupts > 0
            ? 'interrupted: the rollback goes on · q or Ctrl-C again stops it where it is'
            : `${decision === undefined ? '' : '↑/↓ Enter or a letter: answer · '}q interrupt`}
        </Text>
      )}
    </Box>
  );
}

function Summary({ result, journalPath }: { result: ResultView; journalPath: string | undefined }) {
  const tone = useTone();
  const complete = result.result === 'succeeded';
  const title = complete
    ? '✔ rolled back: everything restored'
    : result.interrupted
      ? '■ rollback interrupted: manual intervention needed'
      : '✖ rollback incomplete: manual intervention needed';
  return (
    <Box flexDirection="column" marginTop={1}>
      <Text bold color={tone(complete ? 'green' : 'red')} wrap="truncate">
        {title} · exit code {result.exitCode}
      </Text>
      <Text wrap="truncate">restored: {(result.restored ?? []).join(', ') || 'nothing'}</Text>
      {(result.notRestored ?? []).map((n) => (
        <Text key={n.name} color={tone('red')} wrap="truncate">
          not restored: {n.name}: {n.reason}
        </Text>
      ))}
      {journalPath !== undefined && (
        <Text dimColor wrap="truncate">
          journal: {journalPath}
        </Text>
      )}
    </Box>
  );
}
