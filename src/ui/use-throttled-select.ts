/**
 * A selector over any observable actor, re-run at most once per `frameMs`: a burst of snapshot
 * notifications costs one selection and one render per frame (the deployment view and the rollback
 * screen both render through it).
 */
import { useEffect, useRef, useState } from 'react';

/** Something with snapshots to observe (an XState actor satisfies it). */
export interface Observable<S> {
  getSnapshot(): S;
  subscribe(observer: {
    next?: (s: S) => void;
    error?: (e: unknown) => void;
    complete?: () => void;
  }): {
    unsubscribe(): void;
  };
}

/** `select(actor.getSnapshot())`, refreshed at most once per `frameMs`. */
export function useThrottledSelect<S, V>(
  actor: Observable<S>,
  select: (snapshot: S) => V,
  frameMs = 33,
): V {
  const first = useRef<S | undefined>(undefined);
  const selectRef = useRef(select);
  selectRef.current = select;
  const [view, setView] = useState<V>(() => {
    first.current = actor.getSnapshot();
    return select(first.current);
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
      setView(selectRef.current(snapshot));
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
