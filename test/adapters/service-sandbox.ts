/**
 * A per-test sandbox for process-service tests: a temp dir with a state dir inside, and every
 * process group the test started killed afterwards (services outlive their starter on purpose).
 */
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import type { ProcessManagerOptions } from '../../src/adapters/process.js';
import { tempDir } from './effect-helpers.js';

/** The current test's sandbox. */
export interface ServiceSandbox {
  readonly dir: string;
  readonly opts: ProcessManagerOptions;
  /** Kill this pid's process group (and the pid) after the test. */
  track(pid: number): void;
}

/** Registers the hooks and returns the sandbox of the running test. */
export function serviceSandbox(): ServiceSandbox {
  let dir = '';
  let opts: ProcessManagerOptions = { stateDir: '', environment: 'staging' };
  let remove: () => Promise<void> = () => Promise.resolve();
  const started: number[] = [];
  beforeEach(async () => {
    const temp = await tempDir();
    dir = temp.dir;
    remove = temp.remove;
    opts = { stateDir: join(temp.dir, 'state'), environment: 'staging' };
  });
  afterEach(async () => {
    for (const pid of started.splice(0)) {
      for (const target of [-pid, pid]) {
        try {
          process.kill(target, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    await remove();
  });
  return {
    get dir() {
      return dir;
    },
    get opts() {
      return opts;
    },
    track: (pid) => started.push(pid),
  };
}
