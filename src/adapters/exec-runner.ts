/**
 * The command runner: a small program beside the orchestrator that runs its one-shot commands
 * (exec-core.ts), so that every fork happens from a process of a few megabytes instead of the
 * orchestrator (on Linux the cost of a fork grows with the memory of the process that forks).
 *
 * Protocol: one JSON object per line. On stdin: `{ type: 'run', id, command, options }` and
 * `{ type: 'cancel', id }`; on stdout: `{ type: 'spawned', id, pid, identity }` (the group's leader start time and tag) and `{ type: 'done', id,
 * outcome }`. Secrets arrive with each job on stdin, never on a command line. When stdin ends —
 * the orchestrator exited or was killed — every process group still running is killed: no
 * command outlives the run that started it. SIGINT/SIGTERM are the orchestrator's to handle.
 */
import { createInterface } from 'node:readline';
import type { CommandSpec } from '../config/plan-types.js';
import { Masker } from '../core/mask.js';
import { killRunningCommands, runLocally } from './exec-core.js';
import type { CommandOwner } from './orphans.js';
import { lineWriter } from './line-writer.js';

/** A job as the runner receives it. */
export interface RunJob {
  type: 'run';
  id: number;
  command: CommandSpec;
  options: {
    env: Record<string, string>;
    timeoutMs: number;
    logFile?: string;
    tailBytes?: number;
    graceMs?: number;
    secrets?: string[];
    owner?: CommandOwner;
    input?: string;
  };
}

function main(): void {
  // The terminal's Ctrl-C (and its hangup) reach the whole foreground group: the orchestrator
  // decides; this runner ends when its stdin closes.
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => undefined);
  process.on('SIGHUP', () => undefined);
  const jobs = new Map<number, AbortController>();
  const { send } = lineWriter(() => process.stdout);
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  lines.on('line', (line) => {
    let message: RunJob | { type: 'cancel'; id: number };
    try {
      message = JSON.parse(line) as typeof message;
    } catch {
      return;
    }
    if (message.type === 'cancel') {
      jobs.get(message.id)?.abort();
      return;
    }
    const { id, command, options } = message;
    const controller = new AbortController();
    jobs.set(id, controller);
    void runLocally(command, {
      env: options.env,
      wholeEnv: true,
      timeoutMs: options.timeoutMs,
      signal: controller.signal,
      ...(options.logFile === undefined ? {} : { logFile: options.logFile }),
      ...(options.tailBytes === undefined ? {} : { tailBytes: options.tailBytes }),
      ...(options.graceMs === undefined ? {} : { graceMs: options.graceMs }),
      ...(options.secrets === undefined ? {} : { mask: new Masker(options.secrets) }),
      ...(options.owner === undefined ? {} : { owner: options.owner }),
      ...(options.input === undefined ? {} : { input: options.input }),
      onSpawn: (pid, identity) => send({ type: 'spawned', id, pid, identity }),
    }).then(
      (outcome) => {
        jobs.delete(id);
        send({ type: 'done', id, outcome });
      },
      (error: unknown) => {
        jobs.delete(id);
        send({
          type: 'done',
          id,
          outcome: {
            exitCode: null,
            durationMs: 0,
            timedOut: false,
            canceled: false,
            outputTail: '',
            error: `the command runner failed: ${error instanceof Error ? error.message : String(error)}`,
          },
        });
      },
    );
  });
  lines.once('close', () => {
    // The orchestrator is gone: nothing it started may live on.
    killRunningCommands();
    process.exit(0);
  });
}

main();
