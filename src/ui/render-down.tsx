/**
 * The entry `stagecraft down` calls on a terminal: the confirmation, then the stop progress.
 * The CLI stops the services and reports each step; the screen only shows and asks.
 */
import { DownApp } from './down-app.js';
import { DownProgress, type DownRowState } from './down-progress.js';
import { mountScreen, type RenderStreams } from './mount.js';

export type { DownRowState } from './down-progress.js';

/** A mounted `down` screen. */
export interface DownUi {
  /** Resolves with the operator's answer (true at once when mounted without a confirmation). */
  confirmed: Promise<boolean>;
  /** A service changed state. */
  update(name: string, state: DownRowState, detail?: string): void;
  /** Show the result, then unmount; resolves when the last frame is written. */
  finish(exitCode: number, failures: string[]): Promise<void>;
  /** Unmount now (after a cancel, or before writing an error). */
  close(): Promise<void>;
}

/** What the screen needs to know. */
export interface RenderDownOptions extends RenderStreams {
  project: string;
  environment: string;
  /** Service names in stop order. */
  services: string[];
  /** Ask first (false with --yes). */
  confirm: boolean;
}

/** Mount the `down` screen. */
export function renderDown(opts: RenderDownOptions): DownUi {
  const progress = new DownProgress(opts.project, opts.environment, opts.services, opts.confirm);
  let answer: (yes: boolean) => void = () => undefined;
  const confirmed = opts.confirm
    ? new Promise<boolean>((r) => (answer = r))
    : Promise.resolve(true);
  const onAnswer = (yes: boolean): void => {
    progress.answered(yes);
    answer(yes);
  };
  const ui = mountScreen(() => <DownApp progress={progress} onAnswer={onAnswer} />, opts);
  const exited = ui.waitUntilExit();
  const close = async (): Promise<void> => {
    ui.unmount();
    await exited.catch(() => undefined);
  };
  return {
    confirmed,
    update: (name, state, detail) => progress.update(name, state, detail),
    finish: async (exitCode, failures) => {
      progress.finish(exitCode, failures);
      // The app exits itself after rendering the final frame.
      await exited.catch(() => undefined);
    },
    close,
  };
}
