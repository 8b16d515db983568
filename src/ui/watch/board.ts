/**
 * The state of `stagecraft watch` as every output shows it: one row per watched service (an
 * instance placed on a host is `service@host`) with its live verdict, the latency of its last
 * probe and its last results. Fed the watch's facts (the judged results, alerts, recoveries and
 * the end) and every probe result as it comes; the Ink view, the line and JSON output and the
 * exit code all read the same snapshot.
 */
import type { StampedFact } from '../../record/facts.js';

/** A service's live verdict: not probed yet, passing, a check failing, or failed (alerted). */
export type WatchRowVerdict = 'waiting' | 'healthy' | 'failing' | 'unhealthy';

/** How many results a row keeps. */
export const HISTORY = 10;

/** One service row. */
export interface WatchRow {
  name: string;
  verdict: WatchRowVerdict;
  /** The last probe's latency. */
  lastMs?: number;
  /** Why it fails (the failing check's detail, or the alert's reason). */
  detail?: string;
  /** The last {@link HISTORY} results, oldest first (true: passed). */
  history: boolean[];
}

/** What the watch shows. */
export interface WatchView {
  project: string;
  environment: string;
  /** The window, or undefined for "until interrupted". */
  forMs?: number;
  intervalMs: number;
  startedAt: number;
  rows: WatchRow[];
  /** Set once the watch ended (its window, or a signal). */
  ended?: { interrupted: boolean; atMs: number };
}

/** A verdict change of one service, for the line and JSON output. */
export interface WatchChange {
  service: string;
  verdict: WatchRowVerdict;
  detail?: string;
  lastMs?: number;
  /** epoch ms */
  at: number;
}

interface Tracked {
  /** The latest judged result of each check (by its name). */
  checks: Map<string, { ok: boolean; detail: string }>;
  alerted?: string;
}

/** An observable store of the watch view; every change is a new object. */
export class WatchBoard {
  private view: WatchView;
  private readonly tracked = new Map<string, Tracked>();
  private readonly listeners = new Set<() => void>();
  private readonly changeListeners = new Set<(c: WatchChange) => void>();

  constructor(o: Omit<WatchView, 'rows' | 'ended' | 'startedAt'> & { services: string[] }) {
    this.view = {
      project: o.project,
      environment: o.environment,
      ...(o.forMs === undefined ? {} : { forMs: o.forMs }),
      intervalMs: o.intervalMs,
      startedAt: Date.now(),
      rows: o.services.map((name) => ({ name, verdict: 'waiting', history: [] })),
    };
    for (const name of o.services) this.tracked.set(name, { checks: new Map() });
  }

  /** The current view. */
  getSnapshot = (): WatchView => this.view;

  /** Listen to changes (useSyncExternalStore's contract). */
  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Listen to verdict changes of the services. */
  onChange(listener: (c: WatchChange) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** One probe result of `service` as it came (every one, not only changes). */
  probed(service: string, ok: boolean, durationMs: number): void {
    this.update(service, (row) => ({
      ...row,
      lastMs: durationMs,
      history: [...row.history, ok].slice(-HISTORY),
    }));
  }

  /** A fact of the watch: its judged results, alerts, recoveries and its end. */
  observe(fact: StampedFact): void {
    switch (fact.type) {
      case 'watch.probe': {
        this.tracked.get(fact.service)?.checks.set(fact.probe, {
          ok: fact.ok,
          detail: fact.detail,
        });
        this.judge(fact.service, fact.ts);
        return;
      }
      case 'watch.alert': {
        const t = this.tracked.get(fact.service);
        if (t !== undefined) t.alerted = fact.reason;
        this.judge(fact.service, fact.ts);
        return;
      }
      case 'watch.recovered': {
        const t = this.tracked.get(fact.service);
        if (t !== undefined) delete t.alerted;
        this.judge(fact.service, fact.ts);
        return;
      }
      case 'watch.verdict':
        this.set({
          ...this.view,
          ended: { interrupted: fact.verdict === 'interrupted', atMs: fact.atMs },
        });
        return;
      default:
        return;
    }
  }

  /** True when every watched service passes now. */
  allHealthy(): boolean {
    return this.view.rows.every((r) => r.verdict === 'healthy');
  }

  /** The row verdict from what is known of the service's checks. */
  private judge(service: string, at: number): void {
    const t = this.tracked.get(service);
    if (t === undefined) return;
    const failing = [...t.checks.entries()].find(([, c]) => !c.ok);
    const verdict: WatchRowVerdict =
      t.alerted !== undefined
        ? 'unhealthy'
        : failing !== undefined
          ? 'failing'
          : t.checks.size > 0
            ? 'healthy'
            : 'waiting';
    const detail =
      t.alerted ?? (failing === undefined ? undefined : `${failing[0]}: ${failing[1].detail}`);
    const before = this.view.rows.find((r) => r.name === service);
    this.update(service, (row) => {
      const next: WatchRow = { ...row, verdict };
      if (detail === undefined) delete next.detail;
      else next.detail = detail;
      return next;
    });
    if (before !== undefined && before.verdict !== verdict) {
      const change: WatchChange = {
        service,
        verdict,
        at,
        ...(detail === undefined ? {} : { detail }),
        ...(before.lastMs === undefined ? {} : { lastMs: before.lastMs }),
      };
      for (const l of this.changeListeners) l(change);
    }
  }

  private update(service: string, change: (row: WatchRow) => WatchRow): void {
    this.set({
      ...this.view,
      rows: this.view.rows.map((r) => (r.name === service ? change(r) : r)),
    });
  }

  private set(view: WatchView): void {
    this.view = view;
    for (const l of this.listeners) l();
  }
}
