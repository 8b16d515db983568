/**
 * Test kit for the Ink UI: the fake view source and its fact builders (fake-source.ts), fake TTY
 * streams, mounting the deployment screen, and waiting helpers.
 */
import { EventEmitter } from 'node:events';
import { exitCodeOf } from '../../src/cli/exit-codes.js';
import type { ViewSource } from '../../src/record/source.js';
import { renderDeployment, type RenderDeploymentOptions } from '../../src/ui/deploy/render.js';

export * from './fake-source.js';
export { exitCodeOf };

const esc = String.fromCharCode(27);

/** A fake TTY stdout that keeps every frame (Ink debug mode writes whole frames). */
class FakeStdout extends EventEmitter {
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
class FakeStdin extends EventEmitter {
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

/** The fake streams of one screen, typed as Ink wants them. */
export function fakeStreams(columns?: number, rows?: number) {
  const stdout = new FakeStdout(columns, rows);
  const stdin = new FakeStdin();
  const stderr = new FakeStdout();
  return {
    stdout,
    stdin,
    streams: {
      stdout: stdout as unknown as NodeJS.WriteStream,
      stdin: stdin as unknown as NodeJS.ReadStream,
      stderr: stderr as unknown as NodeJS.WriteStream,
      debug: true,
    },
  };
}

const mounted: Mounted[] = [];

/** Options of {@link mount}: the entry's own, with defaults, plus the terminal's size. */
export type MountOptions = { columns?: number; rows?: number } & Partial<RenderDeploymentOptions>;

/** Mount the real entry on fake TTY streams, in Ink's debug mode. */
export function mount(source: ViewSource, o: MountOptions = {}): Mounted {
  const { columns, rows, ...rest } = o;
  const { stdout, stdin, streams } = fakeStreams(columns, rows);
  const ui = renderDeployment(source, {
    colors: false,
    exitCodeOf,
    ...rest,
    ...streams,
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
