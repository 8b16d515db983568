/**
 * The entry `stagecraft down` calls on a terminal: the confirmation, then the stop progress of
 * the running `down` (its record, through its view source). The screen only shows and asks.
 */
import type { ViewSource } from '../../record/source.js';
import type { ExitCodeOf } from '../../record/view.js';
import { mountScreen, type RenderStreams } from '../shared/mount.js';
import { DownApp } from './app.js';
import { DownProgress } from './progress.js';

/** A mounted `down` screen. */
export interface DownUi {
  /** Resolves with the operator's answer (true at once when mounted without a confirmation). */
  confirmed: Promise<boolean>;
  /** Follows the running `down` until it ends. */
  attach(source: ViewSource): void;
  /** Resolves once the result is shown and the screen unmounted. */
  finish(): Promise<void>;
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
  exitCodeOf: ExitCodeOf;
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
  let detach: (() => void) | undefined;
  const ui = mountScreen(() => <DownApp progress={progress} onAnswer={onAnswer} />, opts);
  const exited = ui.waitUntilExit();
  return {
    confirmed,
    attach: (source) => {
      detach = progress.attach(source, opts.exitCodeOf);
    },
    finish: async () => {
      // The app exits itself after rendering the final frame.
      await exited.catch(() => undefined);
      detach?.();
    },
    close: async () => {
      detach?.();
      ui.unmount();
      await exited.catch(() => undefined);
    },
  };
}
