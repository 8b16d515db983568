/** Small pieces every command that runs a statechart shares. */
import { EXIT } from './exit-codes.js';

/** The command line as recorded in locks and deployment records: `deploy -e prod --yes`. */
export function commandLine(name: string): string {
  return [name, ...process.argv.slice(3)].join(' ');
}

/**
 * Leaves at once with 130: the third SIGINT/SIGTERM (the runtime has killed every process
 * group of the run and closed its record first). The only process.exit outside main.ts.
 */
export function hardExit(): void {
  process.exit(EXIT.interrupted);
}

/** What is said when a stale lock was taken over (`--force-unlock`). */
export function tookOverMessage(holder: string): string {
  return `stagecraft: took over the stale lock of ${holder} (its process is gone; --force-unlock)\n`;
}
