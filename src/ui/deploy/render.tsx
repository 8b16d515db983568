/**
 * The entry the CLI calls when stdin and stdout are terminals and CI is unset: mounts the Ink UI
 * on a running deployment's view source. The UI only reads the record and sends events; the exit
 * code is the CLI's.
 */
import { DeploymentApp } from './app.js';
import { mountScreen, type MountedUi, type RenderStreams } from '../shared/mount.js';
import type { UiOptions, ViewSource } from './ui-types.js';

export type { ViewSource } from './ui-types.js';

/** Options of renderDeployment. */
export interface RenderDeploymentOptions extends RenderStreams, Omit<UiOptions, 'colors'> {}

/** A mounted UI. */
export type DeploymentUi = MountedUi;

/** Render the live deployment view of `source` until the run is done. */
export function renderDeployment(source: ViewSource, opts: RenderDeploymentOptions): DeploymentUi {
  return mountScreen(
    (colors) => (
      <DeploymentApp
        source={source}
        options={{
          colors,
          exitCodeOf: opts.exitCodeOf,
          ...(opts.logTail === undefined ? {} : { logTail: opts.logTail }),
          ...(opts.logDir === undefined ? {} : { logDir: opts.logDir }),
          ...(opts.journalPath === undefined ? {} : { journalPath: opts.journalPath }),
          ...(opts.by === undefined ? {} : { by: opts.by }),
          ...(opts.frameMs === undefined ? {} : { frameMs: opts.frameMs }),
        }}
      />
    ),
    opts,
  );
}
