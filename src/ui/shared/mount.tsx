/**
 * Mounting a screen with Ink, the same way for the deployment view, the rollback screen and the
 * `down` screen: colours from NO_COLOR unless told, the root error boundary, Ctrl-C left to the
 * screen (in raw mode it arrives as a key) and the console left alone.
 */
import type { ReactElement } from 'react';
import { render } from 'ink';
import { ColorsContext, colorsWanted } from './colors.js';
import { ErrorBoundary } from './error-boundary.js';

/** Streams and rendering options of every screen. */
export interface RenderStreams {
  stdout?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
  stderr?: NodeJS.WriteStream;
  /** Default: from NO_COLOR. */
  colors?: boolean;
  /** Ink's debug mode (every frame written in full): for tests. */
  debug?: boolean;
}

/** A mounted screen. */
export interface MountedUi {
  /** Settles when the screen has shown its final frame and unmounted (or was unmounted). */
  waitUntilExit(): Promise<void>;
  unmount(): void;
}

/** Ink's render options from the streams. */
function inkOptions(opts: RenderStreams) {
  return {
    ...(opts.stdout === undefined ? {} : { stdout: opts.stdout }),
    ...(opts.stdin === undefined ? {} : { stdin: opts.stdin }),
    ...(opts.stderr === undefined ? {} : { stderr: opts.stderr }),
    debug: opts.debug ?? false,
    // Ctrl-C arrives as a key in raw mode: each screen turns it into its interrupt.
    exitOnCtrlC: false,
    patchConsole: false,
  };
}

/** Mounts the screen `app(colors)` returns, inside the colour context and the error boundary. */
export function mountScreen(
  app: (colors: boolean) => ReactElement,
  streams: RenderStreams,
): MountedUi {
  const colors = streams.colors ?? colorsWanted();
  const instance = render(
    <ColorsContext.Provider value={colors}>
      <ErrorBoundary>{app(colors)}</ErrorBoundary>
    </ColorsContext.Provider>,
    inkOptions(streams),
  );
  // Ask for the exit promise now: Ink creates it lazily, and one created after the app has
  // unmounted never settles (the event loop would drain and the process exit 0).
  const exited = instance.waitUntilExit().then(() => undefined);
  exited.catch(() => undefined);
  return { waitUntilExit: () => exited, unmount: () => instance.unmount() };
}
