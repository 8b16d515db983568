/**
 * The `down` screen: an Ink confirmation (y stop all, n cancel; default cancel), then one row per
 * service in stop order with its progress, then the result and exit code.
 */
import { Box, Text, useApp, useStdout } from 'ink';
import { useEffect, useSyncExternalStore } from 'react';
import { escapeControlsDeep } from '../../core/control-chars.js';
import { count } from '../../core/plural.js';
import { useTone } from '../shared/colors.js';
import type { DownProgress, DownRowState } from './progress.js';
import { useDecisionKeys } from '../shared/use-decision-keys.js';
import { useFrame } from '../shared/use-ticker.js';
import { fit, windowAround } from '../shared/view-helpers.js';

type Answer = 'yes' | 'no';
const question = { id: 'down', choices: ['yes', 'no'] as const, defaultChoice: 'no' as const };
const answerKeys: Record<Answer, string> = { yes: 'y', no: 'n' };
const spinnerFrames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const look: Record<DownRowState, { glyph: string; color?: string; label: string }> = {
  pending: { glyph: '·', color: 'gray', label: 'pending' },
  stopping: { glyph: '■', color: 'cyan', label: 'stopping' },
  stopped: { glyph: '■', color: 'green', label: 'stopped' },
  'not-running': { glyph: '·', label: 'not running' },
  'not-ours': { glyph: '!', color: 'yellow', label: 'left running' },
  failed: { glyph: '✖', color: 'red', label: 'FAILED' },
  'not-attempted': { glyph: '-', color: 'gray', label: 'not stopped' },
};

/** Props of DownApp. */
export interface DownAppProps {
  progress: DownProgress;
  /** Called once with the operator's answer. */
  onAnswer: (yes: boolean) => void;
}

/** The root component of the `down` screen. */
export function DownApp({ progress, onAnswer }: DownAppProps) {
  // Text from the config reaches the screen escaped, never raw.
  const view = escapeControlsDeep(useSyncExternalStore(progress.subscribe, progress.getSnapshot));
  const { exit } = useApp();
  const { stdout } = useStdout();
  const tone = useTone();
  const over = view.phase === 'done' || view.phase === 'cancelled';
  const asking = view.phase === 'confirming';
  const keys = useDecisionKeys<Answer>(asking ? question : undefined, {
    keyOf: (a) => answerKeys[a],
    onChoice: (a) => onAnswer(a === 'yes'),
    // Ctrl-C or q while asking is a no; while stopping, the run's interrupt.
    onInterrupt: () => {
      if (progress.getSnapshot().phase === 'confirming') onAnswer(false);
      else progress.interrupt();
    },
  });
  const frame = useFrame(100, view.phase === 'stopping');
  useEffect(() => {
    if (over) exit();
  }, [over, exit]);

  const height = stdout.rows > 0 ? stdout.rows : 24;
  const leftRunning = view.rows.filter((r) => r.state === 'not-ours').length;
  const active = view.rows.findIndex((r) => r.state === 'stopping');
  const shown = windowAround(
    view.rows,
    Math.max(0, active),
    Math.max(1, height - (asking ? 9 : 4)),
  );
  const nameWidth = Math.min(24, Math.max(8, ...shown.items.map((r) => [...r.name].length)));
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate">
        stagecraft down {view.project} → {view.environment}
        <Text dimColor> · {count(view.rows.length, 'service')}, reverse dependency order</Text>
      </Text>
      {asking ? (
        <Box flexDirection="column" borderStyle="round" borderColor={tone('magenta')} paddingX={1}>
          <Text bold color={tone('magenta')} wrap="truncate">
            Stop every service of {view.project} → {view.environment}?
          </Text>
          {question.choices.map((a, i) => (
            <Text key={a} inverse={i === keys.highlighted} wrap="truncate">
              {i === keys.highlighted ? '› ' : '  '}[{answerKeys[a]}]{' '}
              {a === 'yes' ? 'stop all' : 'cancel, stop nothing'}
              {a === question.defaultChoice ? <Text dimColor> (default)</Text> : ''}
            </Text>
          ))}
          <Text dimColor wrap="truncate">
            ↑/↓ + Enter or a letter · q cancels
          </Text>
        </Box>
      ) : (
        shown.items.map((r) => {
          const l = look[r.state];
          const glyph =
            r.state === 'stopping' ? (spinnerFrames[frame % spinnerFrames.length] ?? '*') : l.glyph;
          return (
            <Text key={r.name} wrap="truncate">
              <Text color={tone(l.color)}> {glyph} </Text>
              <Text>{fit(r.name, nameWidth)} </Text>
              <Text color={tone(l.color)}>{fit(l.label, 12)}</Text>
              {r.detail === undefined ? '' : <Text dimColor> {r.detail}</Text>}
            </Text>
          );
        })
      )}
      {view.phase === 'cancelled' && <Text wrap="truncate">nothing stopped</Text>}
      {view.phase === 'done' && (
        <Text bold color={tone(view.exitCode === 0 ? 'green' : 'red')} wrap="truncate">
          {view.exitCode !== 0
            ? `✖ ${count(view.failures.length, 'stop')} failed: manual intervention needed`
            : leftRunning > 0
              ? `■ stopped what was started here; ${count(leftRunning, 'service')} left running (started elsewhere)`
              : '■ every service stopped'}{' '}
          · exit code {view.exitCode}
        </Text>
      )}
    </Box>
  );
}
