/**
 * Subscribes to the deployment actor and re-renders at most once per `frameMs`: a burst of
 * snapshot notifications (500 services probing) costs one selectView and one render per frame.
 */
import { selectView } from '../machines/selectors.js';
import type { DeploymentView } from '../machines/selectors.js';
import type { UiActor } from './ui-types.js';
import { useThrottledSelect } from './use-throttled-select.js';

/** The latest DeploymentView of `actor`, refreshed at most once per `frameMs`. */
export function useThrottledView(actor: UiActor, frameMs = 33): DeploymentView {
  return useThrottledSelect(actor, selectView, frameMs);
}
