/**
 * The final screen: the result, a summary per stage and service, the reason of a failure, what
 * was and was not restored, where the logs and the journal are, and the exit code.
 */
import { Box, Text } from 'ink';
import type { ResultView, DeploymentView } from '../../record/view.js';
import { useTone } from '../shared/colors.js';
import {
  fit,
  resultTitle,
  serviceElapsed,
  stageDuration,
  stageGlyph,
  stateColor,
  stateGlyph,
} from '../shared/view-helpers.js';

/** Services listed one by one at most; the healthy rest is counted. */
const serviceLimit = 12;

const resultColor: Record<ResultView['result'], string> = {
  succeeded: 'green',
  'succeeded-with-warnings': 'yellow',
  failed: 'red',
  'rollback-incomplete': 'red',
  aborted: 'red',
};

/** Props of FinalScreen. */
export interface FinalScreenProps {
  view: DeploymentView;
  result: ResultView;
  now: number;
  logDir?: string | undefined;
  journalPath?: string | undefined;
}

/** The summary shown when the deployment is over. */
export function FinalScreen({ view, result, now, logDir, journalPath }: FinalScreenProps) {
  const tone = useTone();
  const touched = view.services.filter((s) => s.state !== 'pending');
  const notable = touched.filter((s) => s.state !== 'healthy');
  const listed = touched.length <= serviceLimit ? touched : notable.slice(0, serviceLimit);
  const unlisted = touched.length - listed.length;
  return (
    <Box flexDirection="column" marginTop={1}>
      <Text bold color={tone(resultColor[result.result])} wrap="truncate">
        {resultTitle(result)} · exit code {result.exitCode}
      </Text>
      {result.reason !== undefined && (
        <Box height={3} overflow="hidden">
          <Text wrap="wrap">reason: {result.reason}</Text>
        </Box>
      )}
      <Text bold>stages</Text>
      {view.stages.map((s) => (
        <Text key={s.name} wrap="truncate">
          {'  '}
          {stageGlyph(s.status)} {fit(s.name, 16)} {fit(s.status, 10)}
          <Text dimColor> {stageDuration(s, now)}</Text>
        </Text>
      ))}
      <Text bold>services</Text>
      {listed.map((s) => (
        <Text key={s.name} wrap="truncate">
          {'  '}
          <Text color={tone(stateColor(s.state))}>{stateGlyph[s.state]} </Text>
          {fit(s.name, 20)} {fit(s.state, 15)}
          <Text dimColor>{serviceElapsed(s, now).padStart(7)}</Text>
          {s.reason === undefined ? '' : `  ${s.reason}`}
        </Text>
      ))}
      {unlisted > 0 && <Text dimColor>{`  … and ${unlisted} more (healthy or not shown)`}</Text>}
      {touched.length === 0 && <Text dimColor> none started</Text>}
      {result.restored !== undefined && result.restored.length > 0 && (
        <Text wrap="truncate">restored: {result.restored.join(', ')}</Text>
      )}
      {(result.notRestored ?? []).map((n) => (
        <Text key={n.name} color={tone('red')} wrap="truncate">
          NOT restored: {n.name}: {n.reason}
        </Text>
      ))}
      {view.warnings.slice(-5).map((w, i) => (
        <Text key={i} color={tone('yellow')} wrap="truncate">
          warning: {w}
        </Text>
      ))}
      {logDir !== undefined && <Text wrap="truncate">logs: {logDir}</Text>}
      {journalPath !== undefined && <Text wrap="truncate">journal: {journalPath}</Text>}
      <Text bold>exit code {result.exitCode}</Text>
    </Box>
  );
}
