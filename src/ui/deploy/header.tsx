/** The header: project, environment, deployment id, phase, elapsed time. */
import { Box, Text } from 'ink';
import type { DeploymentView } from '../../record/view.js';
import { useTone } from '../shared/colors.js';
import { formatDuration } from '../shared/view-helpers.js';

const phaseColor: Record<DeploymentView['phase'], string | undefined> = {
  validating: 'cyan',
  preparing: 'cyan',
  activating: 'cyan',
  verifying: 'cyan',
  finalizing: 'cyan',
  'rolling-back': 'yellow',
  'awaiting-decision': 'magenta',
  stopping: 'yellow',
  done: undefined,
};

/** One line: `stagecraft shop → staging · dep-… · activating · 12.3s`. */
export function Header({ view, now }: { view: DeploymentView; now: number }) {
  const tone = useTone();
  return (
    <Box>
      <Text wrap="truncate">
        <Text bold>stagecraft </Text>
        <Text bold>{view.project}</Text>
        <Text> → {view.environment}</Text>
        <Text dimColor> · {view.deploymentId} · </Text>
        <Text color={tone(phaseColor[view.phase])} bold>
          {view.phase}
        </Text>
        <Text dimColor> · {formatDuration(now - view.startedAt)}</Text>
      </Text>
    </Box>
  );
}
