/** The deployment view of a run, refreshed at most once per `frameMs`. */
import { selectDeploymentView, type DeploymentView, type ExitCodeOf } from '../../record/view.js';
import type { ViewSource } from '../../record/source.js';
import { useThrottledSelect } from '../shared/use-throttled-select.js';

/** The latest DeploymentView of `source`, refreshed at most once per `frameMs`. */
export function useThrottledView(
  source: ViewSource,
  exitCodeOf: ExitCodeOf,
  frameMs = 33,
): DeploymentView {
  return useThrottledSelect(source, (r) => selectDeploymentView(r, exitCodeOf), frameMs);
}
