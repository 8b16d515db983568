/**
 * A pending decision: title, message, only the offered choices with their keys, the default
 * marked, the highlighted one, and the countdown to the deadline. Input is handled by the app.
 */
import { Box, Text } from 'ink';
import { choiceKeys } from '../../record/decisions.js';
import type { PendingDecision } from '../../record/view.js';
import { useTone } from './colors.js';
import { choiceLabel, decisionTitle, formatCountdown } from './view-helpers.js';

/**
 * Lines the prompt for `decision` takes (border 2, title 1, message 2, a line per choice,
 * countdown 1); 0 without a decision.
 */
export function promptLines(decision: { choices: readonly unknown[] } | undefined): number {
  return decision === undefined ? 0 : 6 + decision.choices.length;
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
  const defaultLabel = choiceLabel(decision.defaultChoice, decision);
  return (
    <Box flexDirection="column" borderStyle="round" borderColor={tone('magenta')} paddingX={1}>
      <Text bold color={tone('magenta')} wrap="truncate">
        {decisionTitle(decision)}
      </Text>
      <Box height={2} overflow="hidden">
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
