/**
 * Time in the statecharts: deadlines are absolute epoch ms kept in context (a resumed run re-arms
 * them as they were), and a delay is the time left until one, never more than a timer can hold.
 */

import { MAX_TIMER_MS } from '../core/timer-limit.js';

/** The delay until `deadline` (epoch ms), within what a timer can hold. */
export function until(deadline: number | undefined): number {
  if (deadline === undefined) return MAX_TIMER_MS;
  return Math.min(MAX_TIMER_MS, Math.max(0, deadline - Date.now()));
}
