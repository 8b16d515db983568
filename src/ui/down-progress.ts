/**
 * The state of `stagecraft down` as the screen shows it: the confirmation, then one row per
 * service (in stop order). `down` has no statechart; the CLI reports into this small store and the
 * screen observes it, like it observes an actor.
 */

/** A service's state during `down`. */
export type DownRowState = 'pending' | 'stopping' | 'stopped' | 'not-running' | 'failed';

/** One service row. */
export interface DownRow {
  name: string;
  state: DownRowState;
  /** `pid 1234`, `stop command exited 1` ... */
  detail?: string;
}

/** What the `down` screen shows. */
export interface DownView {
  phase: 'confirming' | 'stopping' | 'done' | 'cancelled';
  project: string;
  environment: string;
  rows: DownRow[];
  exitCode?: number;
  failures: string[];
}

/** An observable store of the `down` view; every change is a new object. */
export class DownProgress {
  private view: DownView;
  private readonly listeners = new Set<() => void>();

  constructor(project: string, environment: string, services: string[], confirm: boolean) {
    this.view = {
      phase: confirm ? 'confirming' : 'stopping',
      project,
      environment,
      rows: services.map((name) => ({ name, state: 'pending' })),
      failures: [],
    };
  }

  /** The current view. */
  getSnapshot = (): DownView => this.view;

  /** Listen to changes (useSyncExternalStore's contract). */
  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** The operator answered the confirmation. */
  answered(yes: boolean): void {
    this.set({ ...this.view, phase: yes ? 'stopping' : 'cancelled' });
  }

  /** A service changed state. */
  update(name: string, state: DownRowState, detail?: string): void {
    const rows = this.view.rows.map((r) =>
      r.name === name ? { name, state, ...(detail === undefined ? {} : { detail }) } : r,
    );
    this.set({ ...this.view, rows });
  }

  /** Everything is done. */
  finish(exitCode: number, failures: string[]): void {
    this.set({ ...this.view, phase: 'done', exitCode, failures });
  }

  private set(view: DownView): void {
    this.view = view;
    for (const l of this.listeners) l();
  }
}
