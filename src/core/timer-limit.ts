/**
 * The longest delay a Node timer holds: 2^31 − 1 ms, about 24.8 days. A longer one fires after
 * 1 ms (with a warning), so every delay handed to a timer is at most this.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;
