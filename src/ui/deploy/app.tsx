/**
 * The deployment screen: header, finished stages (<Static>), the current stage's rows, the output
 * tail, the prompt, the footer; the final screen when the deployment is over. The live region is
 * sized to the terminal's rows so the prompt is never pushed off screen.
 */
import { Box, Text, useApp, useStdout } from 'ink';
import { useEffect } from 'react';
import { count } from '../../core/plural.js';
import type { DeploymentView } from '../../record/view.js';
import { useTone } from '../shared/colors.js';
import { FinalScreen } from './final-screen.js';
import { FinishedStages } from './finished-stages.js';
import { Footer, Help, helpHeight } from './footer.js';
import { Header } from './header.js';
import { LogTail } from './log-tail.js';
import { Prompt, promptLines } from '../shared/prompt.js';
import { ServiceRows } from './service-rows.js';
import type { UiOptions, ViewSource } from './ui-types.js';
import { useOperatorKeys } from './use-operator-keys.js';
import { useThrottledView } from './use-throttled-view.js';
import { useFrame, useLogTail, useNow } from '../shared/use-ticker.js';
import {
  currentStage,
  isBusy,
  liveServices,
  openStages,
  stageDuration,
} from '../shared/view-helpers.js';

/** Props of DeploymentApp. */
export interface DeploymentAppProps {
  source: ViewSource;
  options: UiOptions;
}

/** The root component. */
export function DeploymentApp({ source, options }: DeploymentAppProps) {
  const view = useThrottledView(source, options.exitCodeOf, options.frameMs);
  const { exit } = useApp();
  const { stdout } = useStdout();
  const tone = useTone();
  const done = view.result !== undefined && view.phase === 'done';
  const rows = liveServices(view);
  const keys = useOperatorKeys(source, view, rows, options.by ?? 'operator');
  // useNow re-renders every second; each render reads the clock itself, so no value is stale.
  useNow(1000, !done);
  const now = Date.now();
  const busy = !done && rows.some((s) => isBusy(s.state));
  const frame = useFrame(100, busy);
  const logShown = keys.showLog && !keys.showHelp && !done;
  const tail = useLogTail(options.logTail, keys.selected, logShown);

  useEffect(() => {
    if (done) exit();
  }, [done, exit]);

  const height = stdout.rows > 0 ? stdout.rows : 24;
  const columns = stdout.columns > 0 ? stdout.columns : 80;
  const decision = done ? undefined : view.pendingDecision;
  const warnings = done ? [] : view.warnings.slice(-2);
  const answered = done ? [] : view.answeredElsewhere.slice(-1);
  // header, rows title, counts line, footer, and the line Ink keeps for the cursor
  const fixed = 5 + warnings.length + answered.length + promptLines(decision, columns);
  const helpLines = keys.showHelp ? helpHeight : 0;
  const logLines = logShown ? Math.max(0, Math.min(5, height - fixed - helpLines - 4)) : 0;
  const rowBudget = Math.max(1, height - fixed - helpLines - (logShown ? logLines + 1 : 0));

  return (
    <Box flexDirection="column">
      <FinishedStages view={view} />
      <Header view={view} now={now} />
      {done && view.result !== undefined ? (
        <FinalScreen
          view={view}
          result={view.result}
          now={now}
          logDir={options.logDir}
          journalPath={options.journalPath}
        />
      ) : (
        <>
          <ServiceRows
            title={title(view, now)}
            services={rows}
            selected={keys.selected}
            size={rowBudget}
            frame={frame}
            now={now}
          />
          {keys.showHelp && <Help />}
          {logShown && keys.selected !== undefined && (
            <LogTail service={keys.selected} lines={tail} size={logLines} />
          )}
          {warnings.map((w, i) => (
            <Text key={i} color={tone('yellow')} wrap="truncate">
              ▲ {w}
            </Text>
          ))}
          {answered.map((a, i) => (
            <Text key={i} color={tone('cyan')} wrap="truncate">
              ↳ {a}
            </Text>
          ))}
          {decision !== undefined && (
            <Prompt decision={decision} highlighted={keys.highlighted} now={now} />
          )}
          <Footer
            prompt={decision !== undefined}
            interrupts={Math.max(keys.interrupts, view.interrupts)}
            logShown={logShown}
          />
        </>
      )}
    </Box>
  );
}

function title(view: DeploymentView, now: number): string {
  const stage = currentStage(view);
  if (view.phase === 'rolling-back') return 'rolling back';
  const w = view.watch;
  if (view.phase === 'finalizing' && w !== undefined && w.verdict === undefined) {
    const seconds = (ms: number) => `${Math.max(0, Math.round(ms / 1000))} s`;
    const failing = w.failing.length > 0 ? ` · failing: ${w.failing.join(', ')}` : '';
    return `watching ${count(w.services, 'service')} · ${seconds(now - w.startedAt)} of ${seconds(w.windowMs)}${failing}`;
  }
  if (stage !== undefined && !view.explicitStages) {
    const running = openStages(view).map((s) => s.name);
    return `${running.join(', ')} of ${count(view.stages.length, 'layer')} (services start as their dependencies are healthy)`;
  }
  if (stage !== undefined) {
    const n = view.stages.indexOf(stage) + 1;
    const d = stageDuration(stage, now);
    return `stage ${stage.name} (${n}/${view.stages.length}) ${stage.status}${d === '' ? '' : ` · ${d}`}`;
  }
  return phaseTitle[view.phase];
}

const phaseTitle: Record<DeploymentView['phase'], string> = {
  validating: 'checking prerequisites',
  preparing: 'preparing',
  activating: 'activating',
  verifying: 'verifying: integration and production readiness',
  finalizing: 'finalizing',
  'rolling-back': 'rolling back',
  'awaiting-decision': 'waiting for a decision',
  stopping: 'stopping',
  done: 'done',
};
