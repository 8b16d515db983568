/**
 * What the deployment screen needs from the outside: the run's view source (the same journaled
 * record the reporters read) and options from the CLI.
 */
import type { ExitCodeOf } from '../../record/view.js';

export type { ViewSource } from '../../record/source.js';

/** Options shared by the components (from renderDeployment's options). */
export interface UiOptions {
  /** The exit code the CLI returns for an outcome (shown on the final screen). */
  exitCodeOf: ExitCodeOf;
  /** The output tail of a service (the runtime reads its log file). */
  logTail?: (service: string) => string[];
  /** Where the service logs are, shown on the final screen. */
  logDir?: string;
  /** Where the journal is, shown on the final screen. */
  journalPath?: string;
  /** Who answers prompts (recorded with each decision); default `operator`. */
  by?: string;
  /** Minimum ms between two renders caused by new facts (default 33: about 30 frames/s). */
  frameMs?: number;
  /** Whether colours are used (false under NO_COLOR). */
  colors: boolean;
}
