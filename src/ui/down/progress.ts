/**
 * The state of `stagecraft down` as the screen shows it: the confirmation (asked before the run
 * starts), then one row per service in stop order, from the run's record once it runs.
 */
import type { ViewSource } from '../../record/source.js';
import { selectDownView, type ExitCodeOf } from '../../record/view.js';

/** A service's state during `down`. */
export type DownRowState =
  'pending' | 'stopping' | 'stopped' | 'not-running' | 'not-ours' | 'failed' | 'not-attempted';

/** One service row. */
interface DownRow {
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

  private source: ViewSource | undefined;

  /** `q` or Ctrl-C while stopping (raw mode turns Ctrl-C into a key): the run's interrupt. */
  interrupt(): void {
    this.source?.send({ type: 'run.interrupt' });
  }

  /** Follows the running `down`: every journaled fact refreshes the rows, the end shows the result. */
  attach(source: ViewSource, exitCodeOf: ExitCodeOf): () => void {
    this.source = source;
    const refresh = (): void => {
      const v = selectDownView(source.record(), exitCodeOf);
      const byName = new Map(v.rows.map((r) => [r.name, r]));
      const rows = this.view.rows.map((r) => byName.get(r.name) ?? r);
      const failures = (v.result?.notRestored ?? []).map((n) => `${n.name}: ${n.reason}`);
      this.set({
        ...this.view,
        rows,
        failures,
        ...(v.result === undefined ? {} : { phase: 'done', exitCode: v.result.exitCode }),
      });
    };
    refresh();
    return source.subscribe(refresh);
  }

  private set(view: DownView): void {
    this.view = view;
    for (const l of this.listeners) l();
  }
}
