/**
 * The entry the CLI calls when stdin and stdout are TTYs and CI is unset: mounts the Ink UI on a
 * running deployment actor. The UI only observes and sends events; the exit code is the CLI's.
 */
import { render } from 'ink';
import { ColorsContext, colorsWanted } from './colors.js';
import { DeploymentApp } from './app.js';
import { ErrorBoundary } from './error-boundary.js';
import type { UiActor } from './ui-types.js';

export type { UiActor, UiObserver } from './ui-types.js';

/** Options of renderDeployment. */
export interface RenderDeploymentOptions {
  stdout?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
  stderr?: NodeJS.WriteStream;
  /** The output tail of a service (the CLI reads its log file). */
  logTail?: (service: string) => string[];
  logDir?: string;
  journalPath?: string;
  /** Recorded as who took each decision; default `operator`. */
  by?: string;
  /** Minimum ms between renders caused by actor updates (default 33). */
  frameMs?: number;
  /** Default: from NO_COLOR. */
  colors?: boolean;
  /** Ink's debug mode (every frame written in full): for tests. */
  debug?: boolean;
}

/** A mounted UI. */
export interface DeploymentUi {
  /** Settles when the UI has shown the final screen and unmounted (or was unmounted). */
  waitUntilExit(): Promise<void>;
  unmount(): void;
}

/** Render the live deployment view on `actor` until it is done. */
export function renderDeployment(actor: UiActor, opts: RenderDeploymentOptions = {}): DeploymentUi {
  const colors = opts.colors ?? colorsWanted();
  const instance = render(
    <ColorsContext.Provider value={colors}>
      <ErrorBoundary>
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
      </ErrorBoundary>
    </ColorsContext.Provider>,
    {
      ...(opts.stdout === undefined ? {} : { stdout: opts.stdout }),
      ...(opts.stdin === undefined ? {} : { stdin: opts.stdin }),
      ...(opts.stderr === undefined ? {} : { stderr: opts.stderr }),
      debug: opts.debug ?? false,
      // Ctrl-C arrives as a key in raw mode: the UI turns it into deployment.interrupt.
      exitOnCtrlC: false,
      patchConsole: false,
    },
  );
  // Ask for the exit promise now: Ink creates it lazily, and one created after the app has
  // unmounted never settles (the event loop would drain and the process exit 0).
  const exited = instance.waitUntilExit().then(() => undefined);
  exited.catch(() => undefined);
  return {
    waitUntilExit: () => exited,
    unmount: () => instance.unmount(),
  };
}
