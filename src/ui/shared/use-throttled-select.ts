/**
 * A selection over a run's record, re-run at most once per `frameMs`: a burst of facts (500
 * services probing) costs one selection and one render per frame. Every screen renders through it.
 */
import { useEffect, useRef, useState } from 'react';
import type { RunRecord } from '../../record/fold.js';
import type { ViewSource } from '../../record/source.js';
import { escapeControlsDeep } from '../../core/control-chars.js';

/** `select(source.record())`, refreshed at most once per `frameMs` while facts arrive. */
export function useThrottledSelect<V>(
  source: ViewSource,
  select: (record: RunRecord) => V,
  frameMs = 33,
): V {
  const selectRef = useRef(select);
  selectRef.current = select;
  const shownVersion = useRef(source.record().version);
  // Text from the config (names, commands, values) reaches the screen escaped, never raw.
  const [view, setView] = useState<V>(() => escapeControlsDeep(select(source.record())));
  useEffect(() => {
    let timer: NodeJS.Timeout | undefined;
    let lastFlush = 0;
    const flush = (): void => {
      timer = undefined;
      lastFlush = Date.now();
      const record = source.record();
      if (record.version === shownVersion.current) return;
      shownVersion.current = record.version;
      setView(escapeControlsDeep(selectRef.current(record)));
    };
    const schedule = (): void => {
      if (timer !== undefined) return;
      timer = setTimeout(flush, Math.max(0, lastFlush + frameMs - Date.now()));
    };
    const unsubscribe = source.subscribe(schedule);
    // Facts may have arrived between the first render and this subscription.
    if (source.record().version !== shownVersion.current) schedule();
    return () => {
      unsubscribe();
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [source, frameMs]);
  return view;
}
