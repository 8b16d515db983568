/**
 * The entry `stagecraft rollback` calls on a terminal: mounts the rollback screen on the running
 * rollback actor. The screen only observes and sends decision events; the exit code is the CLI's.
 */
import { render } from 'ink';
import { ColorsContext, colorsWanted } from './colors.js';
import { ErrorBoundary } from './error-boundary.js';
import { RollbackApp, type RollbackUiActor, type RollbackUiOptions } from './rollback-app.js';
import type { DeploymentUi } from './render.js';

export type { RollbackUiActor, RollbackUiOptions } from './rollback-app.js';

/** Streams and rendering options (as for renderDeployment). */
export interface RenderStreams {
  stdout?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
  stderr?: NodeJS.WriteStream;
  /** Default: from NO_COLOR. */
  colors?: boolean;
  /** Ink's debug mode (every frame written in full): for tests. */
  debug?: boolean;
}

/** Ink's render options from the streams. */
export function inkOptions(opts: RenderStreams) {
  return {
    ...(opts.stdout === undefined ? {} : { stdout: opts.stdout }),
    ...(opts.stdin === undefined ? {} : { stdin: opts.stdin }),
    ...(opts.stderr === undefined ? {} : { stderr: opts.stderr }),
    debug: opts.debug ?? false,
    exitOnCtrlC: false,
    patchConsole: false,
  };
}

/** Render the rollback screen on `actor` until the rollback is done. */
export function renderRollback(
  actor: RollbackUiActor,
  options: RollbackUiOptions,
  streams: RenderStreams = {},
): DeploymentUi {
  const colors = streams.colors ?? colorsWanted();
  const instance = render(
    <ColorsContext.Provider value={colors}>
      <ErrorBoundary>
        <RollbackApp actor={actor} options={options} />
      </ErrorBoundary>
    </ColorsContext.Provider>,
    inkOptions(streams),
  );
  // Ask for the exit promise now: Ink creates it lazily (see render.tsx).
  const exited = instance.waitUntilExit().then(() => undefined);
  exited.catch(() => undefined);
  return { waitUntilExit: () => exited, unmount: () => instance.unmount() };
}
