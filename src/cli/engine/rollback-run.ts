/**
 * A rollback actor run under a durable session, shared by `stagecraft rollback` and a resumed
 * rollback: SIGINT/SIGTERM stop it, kill the process groups of its commands, close the session
 * as interrupted and exit 130; every group is killed once it ends either way.
 */
import type { Actor } from 'xstate';
import { killTrackedGroups } from '../../adapters/proc.js';
import type { RollbackOutput } from '../../machines/child-types.js';
import type { rollbackMachine } from '../../machines/rollback.machine.js';
import { EXIT } from '../exit-codes.js';
import type { Session } from './session.js';

/** The handles of one rollback run. */
export interface RollbackRun {
  /** What SIGINT/SIGTERM do (also the terminal UI's interrupt). */
  interrupt: () => void;
  /** Starts the actor; resolves with its output (an aborted one when it stopped without). */
  run(): Promise<RollbackOutput>;
  /** Kills every tracked process group and removes the signal handlers. */
  dispose(): void;
}

/** Installs the signal handlers for `actor` under `session`; call `dispose` in a `finally`. */
export function rollbackRun(actor: Actor<typeof rollbackMachine>, session: Session): RollbackRun {
  const interrupt = (): void => {
    actor.stop();
    killTrackedGroups();
    session.closeSync('interrupted');
    process.exit(EXIT.interrupted);
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
  return {
    interrupt,
    run: () =>
      new Promise<RollbackOutput>((resolve, reject) => {
        actor.subscribe({
          complete: () =>
            resolve(
              actor.getSnapshot().output ?? {
                complete: false,
                restored: [],
                notRestored: [],
                aborted: true,
              },
            ),
          error: reject,
        });
        actor.start();
      }),
    dispose() {
      killTrackedGroups();
      process.off('SIGINT', interrupt);
      process.off('SIGTERM', interrupt);
    },
  };
}
