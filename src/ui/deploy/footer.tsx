/** The key footer and the help panel. */
import { Box, Text } from 'ink';
import { useTone } from '../shared/colors.js';

/** One line of keys; after a first interrupt it says what a second one does. */
export function Footer({
  prompt,
  interrupts,
  logShown,
}: {
  prompt: boolean;
  interrupts: number;
  logShown: boolean;
}) {
  const tone = useTone();
  if (interrupts > 0) {
    return (
      <Text color={tone('yellow')} wrap="truncate">
        interrupt sent · q or Ctrl-C again leaves things as they are
      </Text>
    );
  }
  const move = prompt ? '↑/↓ Enter or a letter: answer' : '↑/↓ select';
  return (
    <Text dimColor wrap="truncate">
      {move} · l {logShown ? 'hide ' : ''}output · ? help · q interrupt
    </Text>
  );
}

/** Lines the help panel takes. */
export const helpHeight = 9;

/** The help panel (toggled with `?`). */
export function Help() {
  return (
    <Box flexDirection="column" borderStyle="single" paddingX={1}>
      <Text bold>Keys</Text>
      <Text wrap="truncate">↑/↓ select a service (in a prompt: highlight a choice)</Text>
      <Text wrap="truncate">Enter take the highlighted choice</Text>
      <Text wrap="truncate">
        r s b a p c y m retry · skip · roll back · abort · proceed · continue · accept · mark
        resolved
      </Text>
      <Text wrap="truncate">l show or hide the output of the selected service</Text>
      <Text wrap="truncate">
        q Ctrl-C interrupt: the first asks what to do, the second leaves things as they are
      </Text>
      <Text wrap="truncate">? close this help</Text>
    </Box>
  );
}
