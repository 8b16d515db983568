/**
 * The rows of the rollback screen: a counts line, then a window of step rows (one per service, in
 * rollback order) and the `prepare` cleanups, each with a glyph or spinner, state, attempt, reason.
 */
import { Box, Text } from 'ink';
import { useTone } from '../shared/colors.js';
import type { RollbackRow } from '../../record/view.js';
import { fit, windowAround } from '../shared/view-helpers.js';

const spinnerFrames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

interface Look {
  glyph: string;
  color?: string;
  label: string;
  busy?: boolean;
}

const look: Record<string, Look> = {
  pending: { glyph: '·', color: 'gray', label: 'pending' },
  'rolling-back': { glyph: '↺', color: 'cyan', label: 'rolling back', busy: true },
  restored: { glyph: '✔', color: 'green', label: 'restored' },
  failed: { glyph: '✖', color: 'red', label: 'failed' },
  'resolved-by-hand': { glyph: '✔', color: 'yellow', label: 'resolved by hand' },
  interrupted: { glyph: '■', color: 'yellow', label: 'interrupted' },
  'not-attempted': { glyph: '-', color: 'gray', label: 'not attempted' },
};

/** Whether a row is work in progress (shown with a spinner). */
export const rowBusy = (state: string): boolean => look[state]?.busy === true;

/** Number of rows per state, in order of first appearance. */
function countRows(rows: readonly RollbackRow[]): Array<{ state: string; count: number }> {
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.state, (counts.get(r.state) ?? 0) + 1);
  return [...counts].map(([state, count]) => ({ state, count }));
}

/** Props of RollbackRows. */
export interface RollbackRowsProps {
  title: string;
  rows: readonly RollbackRow[];
  /** Maximum number of rows shown. */
  size: number;
  frame: number;
}

/** A title with counts per state and at most `size` rows around the one in progress. */
export function RollbackRows({ title, rows, size, frame }: RollbackRowsProps) {
  const tone = useTone();
  const active = rows.findIndex((r) => r.state === 'rolling-back' || r.state === 'failed');
  const shown = windowAround(rows, Math.max(0, active), size);
  const nameWidth = Math.min(24, Math.max(8, ...shown.items.map((r) => [...r.name].length)));
  const position =
    shown.items.length < rows.length
      ? `${shown.start + 1}-${shown.start + shown.items.length} of ${rows.length}`
      : `${rows.length}`;
  return (
    <Box flexDirection="column">
      <Text wrap="truncate">
        <Text bold>{title}</Text>
        <Text dimColor> ({position})</Text>
        {countRows(rows).map((c) => (
          <Text key={c.state} color={tone(look[c.state]?.color)}>
            {' · '}
            {c.count} {look[c.state]?.label ?? c.state}
          </Text>
        ))}
      </Text>
      {shown.items.map((r) => {
        const l: Look = look[r.state] ?? { glyph: '?', label: r.state };
        const glyph =
          l.busy === true ? (spinnerFrames[frame % spinnerFrames.length] ?? '*') : l.glyph;
        const attempt = r.attempt > 1 ? ` attempt ${r.attempt}` : '';
        return (
          <Text key={r.name} wrap="truncate">
            <Text color={tone(l.color)}> {glyph} </Text>
            <Text>{fit(r.name, nameWidth)} </Text>
            <Text color={tone(l.color)}>{fit(l.label, 16)}</Text>
            <Text dimColor>{attempt}</Text>
            {r.reason === undefined ? (
              ''
            ) : (
              <Text color={tone(l.busy === true ? 'yellow' : l.color)}>
                {' '}
                {l.busy === true ? `last: ${r.reason}` : r.reason}
              </Text>
            )}
          </Text>
        );
      })}
    </Box>
  );
}
