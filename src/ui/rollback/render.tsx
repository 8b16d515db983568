/**
 * The entry `stagecraft rollback` calls on a terminal: mounts the rollback screen on the running
 * rollback's view source. The screen only reads and sends decision events.
 */
import type { ViewSource } from '../../record/source.js';
import { mountScreen, type MountedUi, type RenderStreams } from '../shared/mount.js';
import { RollbackApp, type RollbackUiOptions } from './app.js';

export type { RollbackUiOptions } from './app.js';

/** Render the rollback screen of `source` until the rollback is done. */
export function renderRollback(
  source: ViewSource,
  options: RollbackUiOptions,
  streams: RenderStreams = {},
): MountedUi {
  return mountScreen(() => <RollbackApp source={source} options={options} />, streams);
}
