/**
 * The rollback screen (`stagecraft rollback` on a terminal): a header, a row per service in
 * rollback order with its state, the `prepare` cleanups, the rollback-step prompt (retry, mark
 * resolved, abort) with its default and countdown, and a final summary. It reads the rollback
 * actor's snapshot through selectRollbackView and only sends decision events.
 */
import { Box, Text, useApp, useStdout } from 'ink';
import { useEffect, useState } from 'react';
import { choiceKeys, choiceToEvent, type Choice } from '../machines/selectors.js';
import type { RollbackDecisionEvent, RollbackOutput } from '../machines/rollback-types.js';
import { useTone } from './colors.js';
import { Prompt, promptLines } from './prompt.js';
import { RollbackRows, rowBusy } from './rollback-rows.js';
import { selectRollbackView, type RollbackSnapshotLike } from './rollback-view.js';
import { useDecisionKeys } from './use-decision-keys.js';
import { useThrottledSelect, type Observable } from './use-throttled-select.js';
import { useFrame, useNow } from './use-ticker.js';
import { formatDuration } from './view-helpers.js';

/** The part of the rollback actor the screen uses. */
export interface RollbackUiActor extends Observable<RollbackSnapshotLike> {
  send(event: RollbackDecisionEvent): void;
}

/** What the CLI tells the screen. */
export interface RollbackUiOptions {
  project: string;
  environment: string;
  /** The release rolled back to, e.g. `2026.11.26 (deployment dep-…)`. */
  target: string;
  deploymentId?: string;
  journalPath?: string;
  /** Who answers (recorded with each decision); default `operator`. */
  by?: string;
  frameMs?: number;
  /** The exit code the CLI will return for an output (shown on the final screen). */
  exitCode: (output: RollbackOutput) => number;
  /** `q` or Ctrl-C (raw mode swallows SIGINT): the CLI's interruption handling. */
  onInterrupt?: () => void;
}

/** The root component of the rollback screen. */
export function RollbackApp({
  actor,
  options,
}: {
  actor: RollbackUiActor;
  options: RollbackUiOptions;
}) {
  const view = useThrottledSelect(actor, selectRollbackView, options.frameMs);
  const { exit } = useApp();
  const { stdout } = useStdout();
  const tone = useTone();
  const done = view.phase === 'done';
  const [startedAt] = useState(() => Date.now());
  useNow(1000, !done);
  const now = Date.now();
  const frame = useFrame(
    100,
    !done && [...view.steps, ...view.cleanups].some((r) => rowBusy(r.state)),
  );
  const decision = done ? undefined : view.pendingDecision;
  const keys = useDecisionKeys<Choice>(decision, {
    keyOf: (c) => choiceKeys[c],
    onChoice: (c) =>
      actor.send(choiceToEvent(c, options.by ?? 'operator') as RollbackDecisionEvent),
    ...(options.onInterrupt === undefined ? {} : { onInterrupt: options.onInterrupt }),
  });

  useEffect(() => {
    if (done) exit();
  }, [done, exit]);

  const height = stdout.rows > 0 ? stdout.rows : 24;
  const cleanupLines = view.cleanups.length === 0 ? 0 : Math.min(view.cleanups.length, 3) + 1;
  const stepBudget = Math.max(1, height - 5 - promptLines(decision) - cleanupLines);

  return (
    <Box flexDirection="column">
      <Text wrap="truncate">
        <Text bold>stagecraft {options.project}</Text>
        <Text> → {options.environment}</Text>
        <Text dimColor>
          {' '}
          · rollback to {options.target}
          {options.deploymentId === undefined ? '' : ` · ${options.deploymentId}`} ·{' '}
        </Text>
        <Text bold color={tone(done ? undefined : decision === undefined ? 'yellow' : 'magenta')}>
          {view.phase}
        </Text>
        <Text dimColor> · {formatDuration(now - startedAt)}</Text>
      </Text>
      <RollbackRows title="services" rows={view.steps} size={stepBudget} frame={frame} />
      {view.cleanups.length > 0 && (
        <RollbackRows title="cleanups" rows={view.cleanups} size={3} frame={frame} />
      )}
      {decision !== undefined && (
        <Prompt decision={decision} highlighted={keys.highlighted} now={now} />
      )}
      {done && view.output !== undefined ? (
        <Summary
          output={view.output}
          code={options.exitCode(view.output)}
          journalPath={options.journalPath}
        />
      ) : (
        <Text dimColor wrap="truncate">
          {keys.interrupts > 0
            ? 'interrupting…'
            : `${decision === undefined ? '' : '↑/↓ Enter or a letter: answer · '}q interrupt (stops the rollback, exit 130)`}
        </Text>
      )}
    </Box>
  );
}

function Summary({
  output,
  code,
  journalPath,
}: {
  output: RollbackOutput;
  code: number;
  journalPath: string | undefined;
}) {
  const tone = useTone();
  const title = output.complete
    ? '✔ rolled back: everything restored'
    : output.aborted
      ? '■ rollback aborted: manual intervention needed'
      : '✖ rollback incomplete: manual intervention needed';
  return (
    <Box flexDirection="column" marginTop={1}>
      <Text bold color={tone(output.complete ? 'green' : 'red')} wrap="truncate">
        {title} · exit code {code}
      </Text>
      <Text wrap="truncate">restored: {output.restored.join(', ') || 'nothing'}</Text>
      {output.notRestored.map((n) => (
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
