/**
 * The live service rows: counts per state, then a window of rows around the selection (so 500
 * services never push the prompt off screen). Each row: glyph or spinner, name, state, elapsed,
 * the latest probe or the verdict's reason.
 */
import { Box, Text } from 'ink';
import { count } from '../../core/plural.js';
import type { ServiceView } from '../../record/view.js';
import { useTone } from '../shared/colors.js';
import { fleetText, listRows, type FleetRow } from '../shared/fleet-rows.js';
import {
  countByState,
  fit,
  isBusy,
  probeText,
  serviceElapsed,
  stateColor,
  stateGlyph,
  windowAround,
} from '../shared/view-helpers.js';

const spinnerFrames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** Props of ServiceRows. */
export interface ServiceRowsProps {
  title: string;
  services: ServiceView[];
  selected: string | undefined;
  /** Maximum number of service rows. */
  size: number;
  frame: number;
  now: number;
}

/** A title line, a line with position and counts per state, and at most `size` rows. */
export function ServiceRows({ title, services, selected, size, frame, now }: ServiceRowsProps) {
  const tone = useTone();
  // A placed service's many instances are one row, unless the selection is among them.
  const rows = listRows(services, selected);
  const index = Math.max(
    0,
    rows.findIndex((r) => 'service' in r && r.service.name === selected),
  );
  const shown = windowAround(rows, index, size);
  const names = shown.items.flatMap((r) => ('service' in r ? [r.service] : []));
  const nameWidth = Math.min(24, Math.max(8, ...names.map((s) => [...s.name].length)));
  // States are never cut (`rolling-back`, `resolved-by-hand`): the column fits the longest shown.
  const stateWidth = Math.max(11, ...names.map((s) => s.state.length));
  const counts = countByState(services);
  const position =
    shown.items.length < rows.length
      ? `${shown.start + 1}-${shown.start + shown.items.length} of ${rows.length} rows`
      : count(services.length, 'service');
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate">
        {title}
      </Text>
      <Text wrap="truncate">
        <Text dimColor>{position}</Text>
        {counts.map((c) => (
          <Text key={c.state} color={tone(stateColor(c.state))}>
            {' · '}
            {c.count} {c.state}
          </Text>
        ))}
      </Text>
      {shown.items.map((r) =>
        'fleet' in r ? (
          <FleetLine key={`fleet:${r.fleet.service}`} row={r.fleet} />
        ) : (
          <ServiceRow
            key={r.service.name}
            service={r.service}
            selected={r.service.name === selected}
            nameWidth={nameWidth}
            stateWidth={stateWidth}
            frame={frame}
            now={now}
          />
        ),
      )}
    </Box>
  );
}

/** A placed service's instances as one line: counts per state, batch, failed and unknown hosts. */
function FleetLine({ row }: { row: FleetRow }) {
  const tone = useTone();
  const bad = row.failed.length + row.unknown.length > 0;
  return (
    <Text wrap="truncate" color={tone(bad ? 'red' : undefined)}>
      {'  ▤ '}
      {fleetText(row)}
    </Text>
  );
}

function ServiceRow(props: {
  service: ServiceView;
  selected: boolean;
  nameWidth: number;
  stateWidth: number;
  frame: number;
  now: number;
}) {
  const { service: s, selected, nameWidth, stateWidth, frame, now } = props;
  const tone = useTone();
  const color = stateColor(s.state);
  const glyph = isBusy(s.state)
    ? (spinnerFrames[frame % spinnerFrames.length] ?? '*')
    : stateGlyph[s.state];
  const attempt =
    (s.attempt > 1 || (s.maxAttempts > 1 && s.attempt > 0)
      ? ` #${s.attempt}/${s.maxAttempts}`
      : '') +
    (s.placement?.batch !== undefined && s.placement.of !== undefined && s.placement.of > 1
      ? ` batch ${s.placement.batch}/${s.placement.of}`
      : '');
  const probe = probeText(s);
  const showReason = s.reason !== undefined && !isBusy(s.state);
  const warn = s.state === 'degraded' || s.verdict === 'degraded';
  return (
    <Text wrap="truncate" inverse={selected}>
      <Text>{selected ? '›' : ' '}</Text>
      <Text color={tone(color)}>{glyph} </Text>
      <Text bold={warn}>{fit(s.name, nameWidth)} </Text>
      <Text color={tone(color)} bold={warn}>
        {fit(s.state, stateWidth)}
      </Text>
      <Text dimColor>{serviceElapsed(s, now).padStart(7)}</Text>
      <Text dimColor>{attempt}</Text>
      {showReason ? (
        <Text color={tone(color)}> {s.reason}</Text>
      ) : probe === undefined ? (
        ''
      ) : (
        <Text color={tone(s.lastProbe?.ok === false ? 'yellow' : undefined)}> {probe}</Text>
      )}
    </Text>
  );
}
