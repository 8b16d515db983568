/** Finished stages, printed once above the live region (<Static>) with verdict and duration. */
import { Box, Static, Text } from 'ink';
import { useRef } from 'react';
import type { DeploymentView, ServiceView, StageView } from '../../record/view.js';
import { useTone } from '../shared/colors.js';
import {
  countByState,
  finishedStages,
  fit,
  formatDuration,
  stateColor,
  stateGlyph,
  stageGlyph,
} from '../shared/view-helpers.js';

/** Stages with this many services or fewer list them one per line; bigger ones show counts. */
const listLimit = 12;

interface Item {
  stage: StageView;
  services: ServiceView[];
}

/** Appends every newly finished stage to <Static>, in the order they finished. */
export function FinishedStages({ view }: { view: DeploymentView }) {
  const items = useRef<Item[]>([]);
  const seen = new Set(items.current.map((i) => i.stage.name));
  const fresh = finishedStages(view).filter((s) => !seen.has(s.name));
  if (fresh.length > 0) {
    const byName = new Map(view.services.map((s) => [s.name, s]));
    items.current = [
      ...items.current,
      ...fresh.map((stage) => ({
        stage,
        services: stage.services.flatMap((n) => {
          const s = byName.get(n);
          return s === undefined ? [] : [s];
        }),
      })),
    ];
  }
  return (
    <Static items={items.current}>
      {(item) => <StageSummary key={item.stage.name} item={item} />}
    </Static>
  );
}

function StageSummary({ item }: { item: Item }) {
  const tone = useTone();
  const { stage, services } = item;
  const color = stage.status === 'succeeded' ? 'green' : stage.status === 'failed' ? 'red' : 'gray';
  const duration =
    stage.startedAt !== undefined && stage.finishedAt !== undefined
      ? formatDuration(stage.finishedAt - stage.startedAt)
      : '';
  const counts = countByState(services)
    .map((c) => `${c.count} ${c.state}`)
    .join(' · ');
  return (
    <Box flexDirection="column">
      <Text wrap="truncate">
        <Text color={tone(color)}>{stageGlyph(stage.status)} </Text>
        <Text bold>stage {stage.name}</Text>
        <Text> {stage.status}</Text>
        <Text dimColor>
          {duration === '' ? '' : ` · ${duration}`}
          {counts === '' ? '' : ` · ${counts}`}
        </Text>
      </Text>
      {services.length <= listLimit &&
        services.map((s) => (
          <Text key={s.name} wrap="truncate">
            {'  '}
            <Text color={tone(stateColor(s.state))}>{stateGlyph[s.state]} </Text>
            {fit(s.name, 20)} {fit(s.state, 12)}
            <Text dimColor>
              {s.startedAt !== undefined && s.finishedAt !== undefined
                ? ` ${formatDuration(s.finishedAt - s.startedAt)}`
                : ''}
            </Text>
            {s.reason === undefined ? (
              ''
            ) : (
              <Text color={tone(stateColor(s.state))}> {s.reason}</Text>
            )}
          </Text>
        ))}
    </Box>
  );
}
