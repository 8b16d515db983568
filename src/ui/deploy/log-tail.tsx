/** The output tail of the selected service. */
import { Box, Text } from 'ink';

/** At most `size` last lines of a service's output, each cut to the width. */
export function LogTail({
  service,
  lines,
  size,
}: {
  service: string;
  lines: string[];
  size: number;
}) {
  const tail = lines.slice(-Math.max(1, size));
  return (
    <Box flexDirection="column">
      <Text dimColor wrap="truncate">
        ─ output of {service} {tail.length === 0 ? '(nothing yet)' : ''}
      </Text>
      {tail.map((line, i) => (
        <Text key={i} wrap="truncate">
          {'  '}
          {line}
        </Text>
      ))}
    </Box>
  );
}
