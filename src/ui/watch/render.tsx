/**
 * The entry `stagecraft watch` calls on a terminal: mounts the watch screen over the board the
 * command feeds. The screen only shows, and turns `q`/Ctrl-C into `onStop`.
 */
import { mountScreen, type RenderStreams } from '../shared/mount.js';
import { WatchApp } from './app.js';
import type { WatchBoard } from './board.js';

/** A mounted watch screen. */
export interface WatchUi {
  /** Resolves once the final frame is shown and the screen unmounted. */
  finish(): Promise<void>;
  /** Unmount now (before writing an error). */
  close(): Promise<void>;
}

/** Mount the watch screen. */
export function renderWatch(
  board: WatchBoard,
  onStop: () => void,
  streams: RenderStreams = {},
): WatchUi {
  const ui = mountScreen(() => <WatchApp board={board} onStop={onStop} />, streams);
  const exited = ui.waitUntilExit();
  return {
    // The app exits itself after rendering the final frame.
    finish: () => exited.catch(() => undefined),
    close: async () => {
      ui.unmount();
      await exited.catch(() => undefined);
    },
  };
}
