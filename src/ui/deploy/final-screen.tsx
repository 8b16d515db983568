/**
 * The final screen: the result, a summary per stage and service, every check's verdict, the
 * reason of a failure, what was and was not restored, where the logs and the journal are, and the
 * exit code. All of it from the one deployment view, so rows, stages and footer agree; the reason,
 * the checks and the paths wrap at the terminal's width instead of being cut.
 */
import { Box, Text } from 'ink';
import type { CheckRow } from '../../record/fold.js';
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
  const byHand = result.restored?.filter((n) => view.resolvedByHand.includes(n)) ?? [];
  const restored = result.restored?.filter((n) => !byHand.includes(n)) ?? [];
  return (
    <Box flexDirection="column" marginTop={1}>
      <Text bold color={tone(resultColor[result.result])} wrap="truncate">
        {resultTitle(result)} · exit code {result.exitCode}
      </Text>
      {result.reason !== undefined && <Text wrap="wrap">reason: {result.reason}</Text>}
      <Text bold>stages</Text>
      {view.stages.map((s) => (
        <Text key={s.name} wrap="truncate">
          {'  '}
          {stageGlyph(s.status)} {fit(s.name, 16)} {fit(s.status, 11)}
          <Text dimColor> {stageDuration(s, now)}</Text>
        </Text>
      ))}
      <Text bold>services</Text>
      {listed.map((s) => (
        <Text key={s.name} wrap="truncate">
          {'  '}
          <Text color={tone(stateColor(s.state))}>{stateGlyph[s.state]} </Text>
          {fit(s.name, 20)} {fit(s.state, 16)}
          <Text dimColor>{serviceElapsed(s, now).padStart(7)}</Text>
          {s.reason === undefined ? '' : `  ${s.reason}`}
        </Text>
      ))}
      {unlisted > 0 && <Text dimColor>{`  … and ${unlisted} more (healthy or not shown)`}</Text>}
      {touched.length === 0 && <Text dimColor> none started</Text>}
      {view.checks.length > 0 && <Text bold>checks</Text>}
      {view.checks.map((c, i) => (
        <Text key={i} wrap="wrap">
          {'  '}
          <Text color={tone(c.ok ? 'green' : c.severity === 'warning' ? 'yellow' : 'red')}>
            {c.ok ? '✔' : '✖'}
          </Text>{' '}
          {checkLabel(c)}: {c.detail}
        </Text>
      ))}
      {restored.length > 0 && <Text wrap="wrap">restored: {restored.join(', ')}</Text>}
      {byHand.length > 0 && (
        <Text color={tone('yellow')} wrap="wrap">
          resolved by hand (not checked by stagecraft): {byHand.join(', ')}
        </Text>
      )}
      {(result.notRestored ?? []).map((n) => (
        <Text key={n.name} color={tone('red')} wrap="wrap">
          NOT restored: {n.name}: {n.reason}
        </Text>
      ))}
      {view.answeredElsewhere.map((a, i) => (
        <Text key={`a${i}`} wrap="wrap">
          decided elsewhere: {a}
        </Text>
      ))}
      {view.warnings.slice(-5).map((w, i) => (
        <Text key={i} color={tone('yellow')} wrap="wrap">
          warning: {w}
        </Text>
      ))}
      {logDir !== undefined && <Text wrap="wrap">logs: {logDir}</Text>}
      {journalPath !== undefined && <Text wrap="wrap">journal: {journalPath}</Text>}
      <Text bold>exit code {result.exitCode}</Text>
    </Box>
  );
}

/** `readiness p95`, `integration web`, `stage app verify root`, `readiness api performance`. */
function checkLabel(c: CheckRow): string {
  if (c.stage !== undefined) return `stage ${c.stage} verify ${c.name}`;
  if (c.service !== undefined) return `${c.phase} ${c.service} ${c.name}`;
  return `${c.phase} ${c.name}`;
}
