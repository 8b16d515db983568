/**
 * What the Ink UI needs from the outside: an actor to observe and send to (the root deployment
 * actor satisfies it), and options from the CLI.
 */
import type { DecisionEvent, InterruptEvent } from '../machines/events.js';
import type { DeploymentSnapshot } from '../machines/selectors.js';

/** The observer the UI subscribes with. */
export interface UiObserver {
  next?: (snapshot: DeploymentSnapshot) => void;
  error?: (error: unknown) => void;
  complete?: () => void;
}

/** The part of the root deployment actor the UI uses: read snapshots, send decisions/interrupts. */
export interface UiActor {
  getSnapshot(): DeploymentSnapshot;
  subscribe(observer: UiObserver): { unsubscribe(): void };
  send(event: DecisionEvent | InterruptEvent): void;
}

/** Options shared by the components (from renderDeployment's options). */
export interface UiOptions {
  /** The output tail of a service (the CLI reads its log file). */
  logTail?: (service: string) => string[];
  /** Where the service logs are, shown on the final screen. */
  logDir?: string;
  /** Where the journal is, shown on the final screen. */
  journalPath?: string;
  /** Who answers prompts (recorded with each decision); default `operator`. */
  by?: string;
  /** Minimum ms between two renders caused by actor updates (default 33: about 30 frames/s). */
  frameMs?: number;
  /** Whether colours are used (false under NO_COLOR). */
  colors: boolean;
}
