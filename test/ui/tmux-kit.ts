/** Runs the built CLI inside a real terminal (tmux) and reads the screen with capture-pane. */
import { execFileSync } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { killEverythingIn } from '../engine/proc-watch.js';

/** The repository root. */
export const root = resolve(import.meta.dirname, '../..');
/** The built CLI. */
export const bin = join(root, 'bin', 'stagecraft.js');

/** A port the OS says is free now. */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => done(port));
    });
  });
}

/** A copy of an example in a temp dir (its state dir lands there), with optional config edits. */
export async function copyExample(
  name: string,
  edit: (config: string) => string = (c) => c,
): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `stagecraft-${name}-`));
  await cp(join(root, 'examples', name), dir, { recursive: true });
  const config = join(dir, 'stagecraft.config.yaml');
  await writeFile(config, edit(await readFile(config, 'utf8')));
  return dir;
}

let sessions = 0;

/** One tmux server (own socket) running one command in a 100x30 pane. */
export class Terminal {
  readonly socket = `stagecraft-e2e-${process.pid}-${++sessions}`;
  readonly exitFile: string;

  constructor(
    readonly dir: string,
    command: string,
  ) {
    this.exitFile = join(dir, 'exit-code.txt');
    const script = `unset CI; export NO_COLOR=1; ${command}; echo EXIT:$? > ${this.exitFile}`;
    this.tmux(
      'new-session',
      '-d',
      '-x',
      '100',
      '-y',
      '30',
      '-c',
      dir,
      'sh',
      '-c',
      script,
      ';',
      'set-option',
      '-w',
      'remain-on-exit',
      'on',
    );
  }

  private tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, '-f', '/dev/null', ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }

  /** The visible screen as text. */
  screen(): string {
    return this.tmux('capture-pane', '-p', '-J');
  }

  /** The screen plus its scrollback. */
  history(): string {
    return this.tmux('capture-pane', '-p', '-J', '-S', '-2000');
  }

  /** Send tmux key names (`b`, `Enter`, `C-c`). */
  keys(...names: string[]): void {
    this.tmux('send-keys', ...names);
  }

  /** Poll the screen until it matches; fail with the last screen after `ms`. */
  async waitFor(pattern: string | RegExp, ms = 30_000): Promise<string> {
    const end = Date.now() + ms;
    for (;;) {
      const text = this.screen();
      if (typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text)) return text;
      if (Date.now() > end)
        throw new Error(`timed out waiting for ${String(pattern)}; screen:\n${text}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Wait for the command's exit code. */
  async exitCode(ms = 30_000): Promise<number> {
    const end = Date.now() + ms;
    for (;;) {
      const text = await readFile(this.exitFile, 'utf8').catch(() => '');
      const m = /EXIT:(\d+)/.exec(text);
      if (m?.[1] !== undefined) return Number(m[1]);
      if (Date.now() > end)
        throw new Error(`no exit code after ${ms} ms; screen:\n${this.screen()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Kill the tmux server (and with it the pane's process). */
  kill(): void {
    try {
      this.tmux('kill-server');
    } catch {
      // already gone
    }
    const dir = process.env['TMUX_TMPDIR'] ?? '/tmp';
    rmSync(join(dir, `tmux-${process.getuid?.() ?? 0}`, this.socket), { force: true });
  }
}

/**
 * Remove a temp dir, after killing whatever still runs in it or is registered in its state dir
 * (the last resort after `down`, which a stale lock or a failed test may have kept from working).
 */
export async function removeDir(dir: string): Promise<void> {
  await killEverythingIn(dir);
  await rm(dir, { recursive: true, force: true });
}
