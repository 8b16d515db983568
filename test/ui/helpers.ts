/** Test kit for the Ink UI: a fake actor over a mutable view, fake TTY streams, waiting helpers. */
import { EventEmitter } from 'node:events';
import type { DecisionEvent, InterruptEvent, ServiceState } from '../../src/machines/events.js';
import type {
  DeploymentSnapshot,
  DeploymentView,
  PendingDecision,
  ServiceView,
} from '../../src/machines/selectors.js';
import { renderDeployment } from '../../src/ui/render.js';
import type { RenderDeploymentOptions } from '../../src/ui/render.js';
import type { UiActor, UiObserver } from '../../src/ui/ui-types.js';

const valueByPhase: Record<DeploymentView['phase'], string> = {
  validating: 'validating',
  preparing: 'preparing',
  activating: 'activating',
  verifying: 'verifying',
  finalizing: 'finalizing',
  'rolling-back': 'rollingBack',
  'awaiting-decision': 'activating',
  done: 'done',
};

/** A snapshot shaped like the deployment machine's, holding exactly `view` (selectView reads it back). */
export function snapshotOf(view: DeploymentView): DeploymentSnapshot {
  const snapshot = {
    status: view.phase === 'done' ? 'done' : 'active',
    value: valueByPhase[view.phase],
    context: {
      deploymentId: view.deploymentId,
      startedAt: view.startedAt,
      plan: {
        project: view.project,
        environment: view.environment,
        activationOrder: view.services.map((s) => s.name),
      },
      services: Object.fromEntries(view.services.map((s) => [s.name, s])),
      stages: view.stages,
      pendingDecision: view.pendingDecision,
      warnings: view.warnings,
      result: view.result,
    },
  };
  return snapshot as unknown as DeploymentSnapshot;
}

/** A fake root actor: the test mutates the view, the UI observes it; sent events are recorded. */
export class FakeActor implements UiActor {
  readonly sent: Array<DecisionEvent | InterruptEvent> = [];
  getSnapshotCalls = 0;
  private snapshot: DeploymentSnapshot;
  private readonly observers = new Set<UiObserver>();

  constructor(public view: DeploymentView) {
    this.snapshot = snapshotOf(view);
  }

  getSnapshot(): DeploymentSnapshot {
    this.getSnapshotCalls += 1;
    return this.snapshot;
  }

  subscribe(observer: UiObserver): { unsubscribe(): void } {
    this.observers.add(observer);
    return { unsubscribe: () => this.observers.delete(observer) };
  }

  send(event: DecisionEvent | InterruptEvent): void {
    this.sent.push(event);
  }

  /** Replace the view and notify every subscriber. */
  update(change: (view: DeploymentView) => DeploymentView): void {
    this.view = change(this.view);
    this.snapshot = snapshotOf(this.view);
    for (const o of this.observers) o.next?.(this.snapshot);
  }
}

/** A service row. */
export function row(
  name: string,
  state: ServiceState = 'pending',
  extra: Partial<ServiceView> = {},
): ServiceView {
  return {
    name,
    stage: 'app',
    kind: 'process',
    state,
    attempt: state === 'pending' ? 0 : 1,
    maxAttempts: 1,
    ...extra,
  };
}

/** A view in stage `app` (stage `data` finished) with the given rows. */
export function view(services: ServiceView[], extra: Partial<DeploymentView> = {}): DeploymentView {
  const t = Date.now() - 5000;
  return {
    deploymentId: 'dep-20261126-0001',
    project: 'shop',
    environment: 'staging',
    phase: 'activating',
    startedAt: t,
    stages: [
      { name: 'data', status: 'succeeded', startedAt: t, finishedAt: t + 1200, services: [] },
      {
        name: 'app',
        status: 'running',
        startedAt: t + 1300,
        services: services.map((s) => s.name),
      },
    ],
    services,
    warnings: [],
    ...extra,
  };
}

/** A pending decision. */
export function decision(extra: Partial<PendingDecision> = {}): PendingDecision {
  return {
    id: 'd1',
    kind: 'failure',
    subject: 'api',
    message: 'api unhealthy: GET /healthz answered 503 five times',
    choices: ['rollback', 'abort'],
    defaultChoice: 'rollback',
    deadline: Date.now() + 15 * 60_000,
    ...extra,
  };
}

const esc = String.fromCharCode(27);

/** A fake TTY stdout that keeps every frame (Ink debug mode writes whole frames). */
export class FakeStdout extends EventEmitter {
  readonly isTTY = true;
  readonly frames: string[] = [];
  constructor(
    public columns = 100,
    public rows = 30,
  ) {
    super();
  }
  write = (frame: string): boolean => {
    this.frames.push(frame);
    return true;
  };
  /** The last frame with visible text (Ink writes a bare cursor escape on unmount). */
  lastFrame = (): string =>
    this.frames.findLast(
      (f) => f.replaceAll(`${esc}[?25h`, '').replaceAll(`${esc}[?25l`, '').trim() !== '',
    ) ?? '';
}

/** A fake TTY stdin (as in ink-testing-library). */
export class FakeStdin extends EventEmitter {
  isTTY = true;
  private data: string | null = null;
  write = (data: string): void => {
    this.data = data;
    this.emit('readable');
    this.emit('data', data);
  };
  read = (): string | null => {
    const { data } = this;
    this.data = null;
    return data;
  };
  setEncoding(): void {}
  setRawMode(): void {}
  resume(): void {}
  pause(): void {}
  ref(): void {}
  unref(): void {}
}

/** Key sequences. */
export const keys = { up: '\u001B[A', down: '\u001B[B', enter: '\r', ctrlC: '\u0003' };

/** A mounted UI with its streams. */
export interface Mounted {
  stdout: FakeStdout;
  stdin: FakeStdin;
  unmount(): void;
  waitUntilExit(): Promise<void>;
  frame(): string;
}

const mounted: Mounted[] = [];

/** Mount the real entry on fake TTY streams, in Ink's debug mode. */
export function mount(
  actor: UiActor,
  o: { columns?: number; rows?: number } & RenderDeploymentOptions = {},
): Mounted {
  const stdout = new FakeStdout(o.columns, o.rows);
  const stdin = new FakeStdin();
  const stderr = new FakeStdout();
  const ui = renderDeployment(actor, {
    colors: false,
    ...o,
    stdout: stdout as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    stderr: stderr as unknown as NodeJS.WriteStream,
    debug: true,
  });
  const m = {
    stdout,
    stdin,
    unmount: () => ui.unmount(),
    waitUntilExit: () => ui.waitUntilExit(),
    frame: stdout.lastFrame,
  };
  mounted.push(m);
  return m;
}

/** Unmount everything mounted by `mount` (call in afterEach). */
export function unmountAll(): void {
  for (const m of mounted.splice(0)) m.unmount();
}

/** Resolve once `check` is true, polling every 5 ms; fail with `what` after `ms`. */
export async function until(
  check: () => boolean,
  what: string | (() => string),
  ms = 3000,
): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end)
      throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Wait until the last frame contains `text`. */
export function untilFrame(m: Mounted, text: string, ms = 3000): Promise<void> {
  return until(
    () => m.frame().includes(text),
    () => `"${text}" in frame:\n${m.frame()}`,
    ms,
  );
}

/** Let pending input handlers and renders run (a macrotask turn). */
export function tick(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}
