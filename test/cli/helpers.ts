import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { run } from '../../src/cli/run.js';

/** Repository root and the built CLI (npm test builds dist/ first). */
export const ROOT = resolve(import.meta.dirname, '..', '..');
export const BIN = join(ROOT, 'bin', 'stagecraft.js');

/** What a CLI run produced. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Spawns the BUILT CLI (`node bin/stagecraft.js ...`) with a clean, explicit environment. */
export function runBuilt(
  args: string[],
  opts: { cwd?: string; env?: Record<string, string> } = {},
): Promise<CliResult & { ms: number }> {
  const started = performance.now();
  return new Promise((done) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      {
        cwd: opts.cwd ?? ROOT,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...opts.env },
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
        timeout: 20_000,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        done({ code, stdout, stderr, ms: performance.now() - started });
      },
    );
  });
}

/** The CLI in process (`run(argv, io)`), output collected. */
export async function runInProcess(
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await run(args, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: opts.env ?? { PATH: process.env.PATH },
    cwd: opts.cwd ?? ROOT,
  });
  return { code, stdout, stderr };
}

/** A temp folder with the given files; remove it with {@link removeProject}. */
export async function makeProject(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'stagecraft-cli-'));
  for (const [name, text] of Object.entries(files)) {
    await writeFile(join(dir, name), text);
  }
  return dir;
}

/** Deletes a folder made by {@link makeProject}. */
export async function removeProject(dir: string | undefined): Promise<void> {
  if (dir) await rm(dir, { recursive: true, force: true });
}

/** True when text contains a stack-trace frame. */
export function hasStackTrace(text: string): boolean {
  return /^\s+at .+/m.test(text);
}

/** A small valid config with two services in two stages. */
export const MINIMAL_CONFIG = `name: mini
vars: { PORT: "18999" }
services:
  db:
    process: "node -e \\"setInterval(() => {}, 1000)\\""
    health: { tcp: "127.0.0.1:\${PORT}" }
  api:
    dependsOn: [db]
    activate: "true"
`;
