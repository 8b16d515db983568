/**
 * What the team-store end-to-end tests share: a small project in a temp dir whose services are
 * one-shot commands in a row of stages (each touches a marker file when it starts), and the built
 * CLI run as a child process with every line of its output timestamped on arrival.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bin } from '../ui/tmux-kit.js';

/** A project folder with its config and its own state directory. */
export interface Project {
  dir: string;
  config: string;
  stateDir: string;
  /** Where each service's activation touches `<service>.started`. */
  marks: string;
}

/**
 * Writes a project of `stages` one-service stages (s1, s2, …), each activated by
 * `touch marks/<s>.started; sleep <sleepS>`; `extra` is appended to the config (policy, vars).
 */
export async function writeProject(
  name: string,
  o: { stages: number; sleepS: number; extra?: string; service?: (n: number) => string },
): Promise<Project> {
  const dir = await mkdtemp(join(tmpdir(), `stagecraft-${name}-`));
  const marks = join(dir, 'marks');
  await mkdir(marks);
  const names = Array.from({ length: o.stages }, (_, i) => `s${i + 1}`);
  const service =
    o.service ??
    ((n: number) =>
      `  s${n}:\n    activate: 'touch marks/s${n}.started; sleep ${o.sleepS}'\n    timeout: 60s\n`);
  const config = [
    `name: ${name}`,
    '',
    'environments:',
    '  local: {}',
    '',
    'services:',
    names.map((_, i) => service(i + 1)).join(''),
    'stages:',
    ...names.map((s) => `  - { name: stage-${s}, services: [${s}] }`),
    o.extra ?? '',
    '',
  ].join('\n');
  const path = join(dir, 'stagecraft.config.yaml');
  await writeFile(path, config);
  return { dir, config: path, stateDir: join(dir, 'state'), marks };
}

/** One line of a child's output, with when it arrived. */
interface Line {
  at: number;
  stream: 'stdout' | 'stderr';
  text: string;
}

/** A running CLI with its output so far and its exit. */
export interface Cli {
  child: ChildProcess;
  lines: Line[];
  text(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the first line matching `pattern` (rejects after `ms`). */
  line(pattern: RegExp, ms: number): Promise<Line>;
}

/** Runs the built CLI with `args` (under `prefix`, e.g. a namespace's `ip netns exec …`). */
export function startCli(
  args: string[],
  o: { cwd: string; env?: Record<string, string>; prefix?: string[] },
): Cli {
  const argv = [...(o.prefix ?? []), process.execPath, bin, ...args];
  const child = spawn(argv[0] ?? process.execPath, argv.slice(1), {
    cwd: o.cwd,
    env: { ...process.env, NO_COLOR: '1', ...o.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Line[] = [];
  for (const stream of ['stdout', 'stderr'] as const) {
    let rest = '';
    child[stream]?.setEncoding('utf8');
    child[stream]?.on('data', (chunk: string) => {
      const at = Date.now();
      const parts = (rest + chunk).split('\n');
      rest = parts.pop() ?? '';
      for (const text of parts) lines.push({ at, stream, text });
    });
    child[stream]?.on('end', () => {
      if (rest !== '') lines.push({ at: Date.now(), stream, text: rest });
    });
  }
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.on('close', (code, signal) => done({ code, signal })),
  );
  return {
    child,
    lines,
    text: () => lines.map((l) => `${l.stream === 'stderr' ? '! ' : ''}${l.text}`).join('\n'),
    exited,
    async line(pattern, ms) {
      const end = Date.now() + ms;
      for (;;) {
        const found = lines.find((l) => pattern.test(l.text));
        if (found !== undefined) return found;
        if (Date.now() > end)
          throw new Error(
            `no line matching ${String(pattern)} within ${ms} ms; output:\n${lines.map((l) => l.text).join('\n')}`,
          );
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

/** Runs the built CLI to its end (bounded by `ms`: then it is killed). */
export async function runCli(
  args: string[],
  o: { cwd: string; env?: Record<string, string>; prefix?: string[]; ms?: number },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const cli = startCli(args, o);
  const timer = setTimeout(() => cli.child.kill('SIGKILL'), o.ms ?? 30_000);
  const { code } = await cli.exited;
  clearTimeout(timer);
  const of = (s: Line['stream']) =>
    cli.lines
      .filter((l) => l.stream === s)
      .map((l) => l.text)
      .join('\n');
  return { code, stdout: of('stdout'), stderr: of('stderr') };
}

/** Polls `probe` every `everyMs` until it returns a value, or throws after `ms`. */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  ms: number,
  everyMs = 100,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
