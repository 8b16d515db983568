/**
 * Subscribes to the deployment actor and re-renders at most once per `frameMs`: a burst of
 * snapshot notifications (500 services probing) costs one selectView and one render per frame.
 */
import { useEffect, useRef, useState } from 'react';
import { selectView } from '../machines/selectors.js';
import type { DeploymentSnapshot, DeploymentView } from '../machines/selectors.js';
import type { UiActor } from './ui-types.js';

/** The latest DeploymentView of `actor`, refreshed at most once per `frameMs`. */
export function useThrottledView(actor: UiActor, frameMs = 33): DeploymentView {
  const first = useRef<DeploymentSnapshot | undefined>(undefined);
  const [view, setView] = useState<DeploymentView>(() => {
    first.current = actor.getSnapshot();
    return selectView(first.current);
  });
  useEffect(() => {
    let timer: NodeJS.Timeout | undefined;
    let lastFlush = 0;
    let shown = first.current;
    const flush = (): void => {
      timer = undefined;
      lastFlush = Date.now();
      const snapshot = actor.getSnapshot();
      if (snapshot === shown) return;
      shown = snapshot;
      setView(selectView(snapshot));
    };
    const schedule = (): void => {
      if (timer !== undefined) return;
      timer = setTimeout(flush, Math.max(0, lastFlush + frameMs - Date.now()));
    };
    const subscription = actor.subscribe({ next: schedule, error: schedule, complete: schedule });
    // The snapshot may have moved on between the first render and this subscription.
    if (actor.getSnapshot() !== shown) schedule();
    return () => {
      subscription.unsubscribe();
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [actor, frameMs]);
  return view;
}
