/**
 * The entry the CLI calls when stdin and stdout are TTYs and CI is unset: mounts the Ink UI on a
 * running deployment actor. The UI only observes and sends events; the exit code is the CLI's.
 */
import { DeploymentApp } from './app.js';
import { mountScreen, type MountedUi, type RenderStreams } from './mount.js';
import type { UiActor } from './ui-types.js';

export type { UiActor, UiObserver } from './ui-types.js';

/** Options of renderDeployment. */
export interface RenderDeploymentOptions extends RenderStreams {
  /** The output tail of a service (the CLI reads its log file). */
  logTail?: (service: string) => string[];
  logDir?: string;
  journalPath?: string;
  /** Recorded as who took each decision; default `operator`. */
  by?: string;
  /** Minimum ms between renders caused by actor updates (default 33). */
  frameMs?: number;
}

/** A mounted UI. */
export type DeploymentUi = MountedUi;

/** Render the live deployment view on `actor` until it is done. */
export function renderDeployment(actor: UiActor, opts: RenderDeploymentOptions = {}): DeploymentUi {
  return mountScreen(
    (colors) => (
      <DeploymentApp
        actor={actor}
        options={{
          colors,
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
