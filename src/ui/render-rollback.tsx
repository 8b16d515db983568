/**
 * The entry `stagecraft rollback` calls on a terminal: mounts the rollback screen on the running
 * rollback actor. The screen only observes and sends decision events; the exit code is the CLI's.
 */
import { mountScreen, type RenderStreams } from './mount.js';
import type { DeploymentUi } from './render.js';
import { RollbackApp, type RollbackUiActor, type RollbackUiOptions } from './rollback-app.js';

export type { RollbackUiActor, RollbackUiOptions } from './rollback-app.js';

/** Render the rollback screen on `actor` until the rollback is done. */
export function renderRollback(
  actor: RollbackUiActor,
  options: RollbackUiOptions,
  streams: RenderStreams = {},
): DeploymentUi {
  return mountScreen(() => <RollbackApp actor={actor} options={options} />, streams);
}
