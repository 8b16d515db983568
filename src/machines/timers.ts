/**
 * Time in the statecharts: deadlines are absolute epoch ms kept in context (a resumed run re-arms
 * them as they were), and a delay is the time left until one, never more than a timer can hold.
 */

/**
 * The longest delay a Node timer holds (2^31 − 1 ms, about 24.8 days); a longer one fires after
 * 1 ms. The config refuses durations beyond it, so only "no deadline" ever reaches it.
 */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The delay until `deadline` (epoch ms), within what a timer can hold. */
export function until(deadline: number | undefined): number {
  if (deadline === undefined) return MAX_TIMER_MS;
  return Math.min(MAX_TIMER_MS, Math.max(0, deadline - Date.now()));
}
