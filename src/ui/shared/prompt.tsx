/**
 * A pending decision: title, message, only the offered choices with their keys, the default
 * marked, the highlighted one, and the countdown to the deadline. Input is handled by the app.
 */
import { Box, Text, useStdout } from 'ink';
import { choiceKeys } from '../../record/decisions.js';
import type { PendingDecision } from '../../record/view.js';
import { useTone } from './colors.js';
import { choiceLabel, decisionTitle, formatCountdown, wrappedLines } from './view-helpers.js';

/** The message never takes more lines than this (a list of 500 degraded services would). */
const messageCap = 8;

/** Columns the message has inside the border and padding of a box `columns` wide. */
const messageWidth = (columns: number): number => Math.max(10, columns - 4);

/** Lines the message takes at `columns`: all of it, wrapped, up to {@link messageCap}. */
function messageLines(message: string, columns: number): number {
  return Math.min(messageCap, Math.max(1, wrappedLines(message, messageWidth(columns))));
}

/**
 * Lines the prompt for `decision` takes in a terminal `columns` wide (border 2, title 1, the
 * wrapped message, a line per choice, countdown 1); 0 without a decision.
 */
export function promptLines(
  decision: { message: string; choices: readonly unknown[] } | undefined,
  columns: number,
): number {
  return decision === undefined
    ? 0
    : 4 + messageLines(decision.message, columns) + decision.choices.length;
}

/** Props of Prompt. */
export interface PromptProps {
  decision: PendingDecision;
  highlighted: number;
  now: number;
}

/** The prompt box. */
export function Prompt({ decision, highlighted, now }: PromptProps) {
  const tone = useTone();
  const { stdout } = useStdout();
  const columns = stdout.columns > 0 ? stdout.columns : 80;
  const defaultLabel = choiceLabel(decision.defaultChoice, decision);
  return (
    <Box flexDirection="column" borderStyle="round" borderColor={tone('magenta')} paddingX={1}>
      <Text bold color={tone('magenta')} wrap="truncate">
        {decisionTitle(decision)}
      </Text>
      <Box height={messageLines(decision.message, columns)} overflow="hidden">
        <Text wrap="wrap">{decision.message}</Text>
      </Box>
      {decision.choices.map((choice, i) => {
        const on = i === highlighted;
        return (
          <Text key={choice} wrap="truncate" inverse={on}>
            {on ? '› ' : '  '}[{choiceKeys[choice]}] {choiceLabel(choice, decision)}
            {choice === decision.defaultChoice ? <Text dimColor> (default)</Text> : ''}
          </Text>
        );
      })}
      <Text dimColor wrap="truncate">
        ↑/↓ + Enter or a letter · default {defaultLabel} in{' '}
        {formatCountdown(decision.deadline, now)}
      </Text>
    </Box>
  );
}
