/**
 * Work a run can start before its config is even loaded: the command runner's Node start-up
 * (about 50 ms) then overlaps the orchestrator's own, instead of delaying the first command.
 */
import { startCommandRunner, stopCommandRunner } from '../adapters/exec.js';
import { closeSshPool } from './effects/remote.js';

/** Starts what the commands of a run will need. */
export function warmUp(): void {
  startCommandRunner();
}

/** Stops what `warmUp` started and waits until it is gone (nothing of a run outlives it). */
export async function coolDown(): Promise<void> {
  await Promise.all([stopCommandRunner(), closeSshPool()]);
}
