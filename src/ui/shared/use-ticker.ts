/** Timers for the UI: the clock (elapsed times, countdowns) and the log tail poll. */
import { useEffect, useState } from 'react';

/** `Date.now()`, refreshed every `ms` while `active`. */
export function useNow(ms: number, active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return undefined;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms, active]);
  return now;
}

/** A frame counter for spinners, one shared timer for every row (not one per spinner). */
export function useFrame(ms: number, active: boolean): number {
  const [frame, setFrame] = useState(0);
  useEffect(() => {
    if (!active) return undefined;
    const timer = setInterval(() => setFrame((f) => (f + 1) % 1000), ms);
    return () => clearInterval(timer);
  }, [ms, active]);
  return frame;
}

/** The output tail of `service`, re-read every `ms` while `active`. */
export function useLogTail(
  read: ((service: string) => string[]) | undefined,
  service: string | undefined,
  active: boolean,
  ms = 500,
): string[] {
  const [lines, setLines] = useState<string[]>([]);
  useEffect(() => {
    if (!active || read === undefined || service === undefined) {
      setLines([]);
      return undefined;
    }
    const load = (): void => {
      try {
        setLines(read(service));
      } catch {
        setLines(['(log not readable)']);
      }
    };
    load();
    const timer = setInterval(load, ms);
    return () => clearInterval(timer);
  }, [read, service, active, ms]);
  return lines;
}
