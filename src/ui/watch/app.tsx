/**
 * The `stagecraft watch` screen: a header (project → environment, the window and interval), one
 * row per watched service with its live verdict, last probe latency and last results as ✓/✗,
 * and, once the watch ended, how it ended. `q` or Ctrl-C ends the watch (raw mode turns Ctrl-C
 * into a key, not a signal).
 */
import { Box, Text, useApp, useInput, useStdout } from 'ink';
import { useEffect, useSyncExternalStore } from 'react';
import { escapeControlsDeep } from '../../core/control-chars.js';
import { count } from '../../core/plural.js';
import { useTone } from '../shared/colors.js';
import { useNow } from '../shared/use-ticker.js';
import { fit, formatDuration, windowAround } from '../shared/view-helpers.js';
import { HISTORY, type WatchBoard, type WatchRowVerdict } from './board.js';

const look: Record<WatchRowVerdict, { glyph: string; color?: string; label: string }> = {
  waiting: { glyph: '·', color: 'gray', label: 'waiting' },
  healthy: { glyph: '●', color: 'green', label: 'healthy' },
  failing: { glyph: '●', color: 'yellow', label: 'failing' },
  unhealthy: { glyph: '✖', color: 'red', label: 'UNHEALTHY' },
};

/** Props of WatchApp. */
export interface WatchAppProps {
  board: WatchBoard;
  /** `q` or Ctrl-C: end the watch. */
  onStop: () => void;
}

/** The root component of the watch screen. */
export function WatchApp({ board, onStop }: WatchAppProps) {
  // Text from the config and from probes reaches the screen escaped, never raw.
  const view = escapeControlsDeep(useSyncExternalStore(board.subscribe, board.getSnapshot));
  const { exit } = useApp();
  const { stdout } = useStdout();
  const tone = useTone();
  const over = view.ended !== undefined;
  const now = useNow(1000, !over);
  useInput((input, key) => {
    if (input === 'q' || (key.ctrl && input === 'c')) onStop();
  });
  useEffect(() => {
    if (over) exit();
  }, [over, exit]);

  const height = stdout.rows > 0 ? stdout.rows : 24;
  const shown = windowAround(view.rows, 0, Math.max(1, height - 4));
  const nameWidth = Math.min(28, Math.max(8, ...shown.items.map((r) => [...r.name].length)));
  const unhealthy = view.rows.filter((r) => r.verdict !== 'healthy').length;
  const elapsed = (view.ended?.atMs ?? now - view.startedAt) || 0;
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate">
        stagecraft watch {view.project} → {view.environment}
        <Text dimColor>
          {' '}
          · {count(view.rows.length, 'service')} every {formatDuration(view.intervalMs)} ·{' '}
          {formatDuration(elapsed)}
          {view.forMs === undefined ? ' (q to stop)' : ` of ${formatDuration(view.forMs)}`}
        </Text>
      </Text>
      {shown.items.map((r) => {
        const l = look[r.verdict];
        const history = r.history.map((ok) => (ok ? '✓' : '✗')).join('');
        return (
          <Text key={r.name} wrap="truncate">
            <Text color={tone(l.color)}> {l.glyph} </Text>
            <Text>{fit(r.name, nameWidth)} </Text>
            <Text color={tone(l.color)}>{fit(l.label, 10)}</Text>
            <Text>{fit(r.lastMs === undefined ? '-' : formatDuration(r.lastMs), 7)}</Text>
            <Text> {history.padEnd(HISTORY, ' ')}</Text>
            {r.detail === undefined ? '' : <Text dimColor> {r.detail}</Text>}
          </Text>
        );
      })}
      {shown.items.length < view.rows.length && (
        <Text dimColor wrap="truncate">
          … {count(view.rows.length - shown.items.length, 'more service')}
        </Text>
      )}
      {over && (
        <Text bold color={tone(unhealthy === 0 ? 'green' : 'red')} wrap="truncate">
          {view.ended?.interrupted === true ? 'stopped' : 'watch ended'} ·{' '}
          {unhealthy === 0 ? 'every service healthy' : `${count(unhealthy, 'service')} not healthy`}{' '}
          · exit code {unhealthy === 0 ? 0 : 1}
        </Text>
      )}
    </Box>
  );
}
