/**
 * Finding and reading the config file: the ONLY cosmiconfig import in the project. YAML and
 * JSON are parsed here (positions for errors), `.ts` through tsx's `tsImport` (no temp files),
 * `.js`/`.mjs` by import. The result is schema-checked and cross-checked (validate.ts).
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { cosmiconfig } from 'cosmiconfig';
import type { Loader } from 'cosmiconfig';
import { ConfigError, isConfigError } from './errors.js';
import { errorMessage, parseJsonText, parseYamlText } from './parse-text.js';
import type { Config } from './schema.js';
import { issueAt } from './issues.js';
import { issueContext, validateConfig } from './validate.js';
import type { SourceInfo } from './validate.js';
import { RESERVED_KEY, RESERVED_MESSAGE } from './vars.js';

/** A loaded, validated config and where it came from. */
export interface LoadedConfig {
  config: Config;
  /** Absolute path of the config file. */
  filePath: string;
  /** Its folder: commands run there, relative paths start there. */
  dir: string;
  /** The file's text (for the config hash and error positions). */
  text: string;
}

/** Where cosmiconfig looks, in order. */
const SEARCH_PLACES = [
  'stagecraft.config.yaml',
  'stagecraft.config.yml',
  'stagecraft.config.json',
  'stagecraft.config.ts',
  'stagecraft.config.mts',
  'stagecraft.config.mjs',
  'stagecraft.config.js',
  'stagecraft.config.cjs',
  '.stagecraftrc',
  '.stagecraftrc.yaml',
  '.stagecraftrc.yml',
  '.stagecraftrc.json',
  '.stagecraftrc.ts',
  '.stagecraftrc.mjs',
  '.stagecraftrc.js',
  '.stagecraftrc.cjs',
  'package.json',
];

const importModule: Loader = async (filepath) => {
  const mod = (await import(pathToFileURL(filepath).href)) as { default?: unknown };
  return mod.default ?? mod;
};

const importTs: Loader = async (filepath) => {
  const { tsImport } = await import('tsx/esm/api');
  const mod = (await tsImport(pathToFileURL(filepath).href, import.meta.url)) as {
    default?: unknown;
  };
  // tsx may wrap a default export once more when the file is treated as CommonJS.
  const value = mod.default ?? mod;
  const inner = (value as { default?: unknown } | null)?.default;
  return inner !== undefined && mod.default !== undefined && Object.keys(value).length === 1
    ? inner
    : value;
};

/**
 * Finds (or reads the given) config file, parses and validates it.
 * @throws ConfigError for everything the user can fix: none found, syntax, schema, graph.
 */
export async function loadConfig(opts: {
  configPath?: string;
  cwd: string;
  /** How long reading the file may take (a module's default export may never settle). */
  timeoutMs?: number;
}): Promise<LoadedConfig> {
  const texts = new Map<string, string>();
  // The file being read, for the deadline's message (a search finds it on the way).
  let reading: string | undefined;
  const remember =
    (loader: (file: string, text: string) => unknown): Loader =>
    async (file, text) => {
      reading = file;
      texts.set(file, text);
      return await loader(file, text);
    };
  // cosmiconfig reads the cwd's package.json for its own options as it is created: inside the try.
  const makeExplorer = () =>
    cosmiconfig('stagecraft', {
      searchPlaces: SEARCH_PLACES,
      searchStrategy: 'none',
      ignoreEmptySearchPlaces: false,
      cache: false,
      loaders: {
        '.yaml': remember((f, t) => parseYamlText(t, f)),
        '.yml': remember((f, t) => parseYamlText(t, f)),
        noExt: remember((f, t) => parseYamlText(t, f)),
        // package.json: only its `stagecraft` part is the config (duplicates elsewhere are npm's).
        '.json': remember((f, t) =>
          parseJsonText(t, f, path.basename(f) === 'package.json' ? 'stagecraft' : undefined),
        ),
        '.js': remember(importModule),
        '.mjs': remember(importModule),
        '.cjs': remember(importModule),
        '.ts': remember(importTs),
        '.mts': remember(importTs),
      },
    });

  const target =
    opts.configPath === undefined ? undefined : path.resolve(opts.cwd, opts.configPath);
  let searchDir = opts.cwd;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_CONFIG_TIMEOUT_MS;
  let result;
  try {
    // Creating the explorer reads cosmiconfig's own options from the process's folder, blocking.
    // cosmiconfig skips a package.json without its key and reads on: every place is checked.
    await refuseSpecialFiles(process.cwd(), COSMICONFIG_META_PLACES, 'every');
    const explorer = makeExplorer();
    if (target !== undefined) {
      const kind = await fileKind(target);
      if (kind === 'missing') {
        throw new ConfigError([
          { message: `config file not found: ${target}`, hint: 'check the -c PATH' },
        ]);
      }
      if (kind === 'other') throw notRegular(target);
      if (kind === 'dir') searchDir = target;
      if (kind === 'dir') await refuseSpecialFiles(target);
      result = await withDeadline(
        kind === 'dir' ? explorer.search(target) : explorer.load(target),
        timeoutMs,
        () => reading ?? target,
      );
    } else {
      await refuseSpecialFiles(opts.cwd);
      result = await withDeadline(explorer.search(opts.cwd), timeoutMs, () => reading ?? opts.cwd);
    }
  } catch (err) {
    throw toConfigError(err, target, await jsSyntaxPosition(err, reading));
  }
  if (result === null) {
    throw new ConfigError([
      {
        message: `no stagecraft config found in ${searchDir} (looked for stagecraft.config.{yaml,yml,json,ts,mts,mjs,js,cjs}, .stagecraftrc[.yaml|.yml|.json|.ts|.mjs|.js|.cjs], package.json#stagecraft)`,
        hint: 'pass -c PATH',
      },
    ]);
  }
  const filePath = result.filepath;
  const text = texts.get(filePath) ?? '';
  if (result.isEmpty === true || result.config === undefined) {
    throw new ConfigError([
      {
        file: filePath,
        message: 'config file is empty',
        hint: 'see the config reference in the README for the keys',
      },
    ]);
  }
  const prefix = path.basename(filePath) === 'package.json' ? ['stagecraft'] : [];
  const data = plainData(result.config, filePath);
  refuseReservedKeys(data, { file: filePath, text, prefix });
  const config = validateConfig(data, { file: filePath, text, prefix });
  return { config, filePath, dir: path.dirname(filePath), text };
}

/** The deadline of reading a config when STAGECRAFT_CONFIG_TIMEOUT does not set one. */
const DEFAULT_CONFIG_TIMEOUT_MS = 10_000;

/**
 * The deadline of reading a config from the environment: STAGECRAFT_CONFIG_TIMEOUT in seconds
 * (a positive number), default 10 s.
 * @throws ConfigError when it is set to something else
 */
export function configTimeoutMs(env: Readonly<Record<string, string | undefined>>): number {
  const raw = env.STAGECRAFT_CONFIG_TIMEOUT;
  if (raw === undefined || raw.trim() === '') return DEFAULT_CONFIG_TIMEOUT_MS;
  const seconds = Number(raw);
  // Node's timers hold at most 2^31-1 ms.
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds * 1000 > 2 ** 31 - 1) {
    throw new ConfigError([
      {
        message: `STAGECRAFT_CONFIG_TIMEOUT=${JSON.stringify(raw)} is not a number of seconds`,
        hint: 'set a positive number of seconds (at most 2147483), or unset it for 10 s',
      },
    ]);
  }
  return seconds * 1000;
}

type FileKind = 'file' | 'dir' | 'other' | 'missing';

async function fileKind(file: string): Promise<FileKind> {
  return stat(file).then(
    (s) => (s.isFile() ? 'file' : s.isDirectory() ? 'dir' : 'other'),
    () => 'missing' as const,
  );
}

/** Opening a FIFO (or a device) waits for a writer that may never come: never open one. */
function notRegular(file: string, what: 'config' | 'options' = 'config'): ConfigError {
  return new ConfigError([
    what === 'config'
      ? {
          file,
          message: 'the config file is not a regular file (a FIFO, socket, device or folder)',
          hint: 'point -c at a regular file, or replace it with one',
        }
      : {
          file,
          message:
            'not a regular file (a FIFO, socket, device or folder) where the config loader reads its own options, in the working folder',
          hint: 'replace it with a regular file or remove it, or run stagecraft from another folder with -c',
        },
  ]);
}

/** Where cosmiconfig looks for its own options (`cosmiconfig` in package.json ...), in order. */
const COSMICONFIG_META_PLACES = [
  'package.json',
  'package.yaml',
  '.config/config.json',
  '.config/config.yaml',
  '.config/config.yml',
  '.config/config.js',
  '.config/config.ts',
  '.config/config.cjs',
  '.config/config.mjs',
];

/**
 * A search reads the first of its places that exists: refuse it before cosmiconfig opens it
 * when it is not a regular file.
 */
async function refuseSpecialFiles(
  dir: string,
  places = SEARCH_PLACES,
  upTo: 'first-file' | 'every' = 'first-file',
): Promise<void> {
  for (const place of places) {
    const file = path.join(dir, place);
    const kind = await fileKind(file);
    if (kind === 'file' && upTo === 'first-file') return;
    if (kind !== 'file' && kind !== 'missing')
      throw notRegular(file, upTo === 'every' ? 'options' : 'config');
  }
}

/**
 * Settles like `work`, or fails after `ms` with a message naming `what`: a module config whose
 * default export (or top-level await) never settles must not hold the command forever. The timer
 * also keeps the event loop alive meanwhile, so the process cannot drain out without a word.
 */
async function withDeadline<T>(work: Promise<T>, ms: number, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(
        new ConfigError([
          {
            message: `loading ${what()} did not finish within ${formatSeconds(ms)}`,
            hint: 'its default export or a top-level await never settles; make it settle, or raise STAGECRAFT_CONFIG_TIMEOUT (seconds)',
          },
        ]),
      );
    }, ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

/** At most this many `__proto__` keys are listed. */
const MAX_RESERVED_ISSUES = 10;

/**
 * Refuses every `__proto__` key of the data, with its position. The schema's records skip that
 * key (assigning it would replace an object's prototype), so a variable, rule, service or
 * environment of that name would vanish without a word. Iterative: the data may be deep.
 */
function refuseReservedKeys(data: unknown, source: SourceInfo): void {
  const paths: PropertyKey[][] = [];
  const seen = new Set<object>();
  const stack: Array<{ value: unknown; path: PropertyKey[] }> = [{ value: data, path: [] }];
  while (stack.length > 0 && paths.length < MAX_RESERVED_ISSUES) {
    const { value, path: at } = stack.pop()!;
    if (typeof value !== 'object' || value === null || seen.has(value)) continue;
    seen.add(value);
    if (Array.isArray(value)) {
      value.forEach((v, i) => stack.push({ value: v, path: [...at, i] }));
      continue;
    }
    if (Object.hasOwn(value, RESERVED_KEY)) paths.push([...at, RESERVED_KEY]);
    for (const [k, v] of Object.entries(value)) stack.push({ value: v, path: [...at, k] });
  }
  if (paths.length === 0) return;
  const ctx = issueContext(source);
  const issues = paths.map((p) => issueAt(ctx, p, RESERVED_MESSAGE, 'rename it'));
  issues.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
  throw new ConfigError(issues);
}

/**
 * The exported config as plain data, read once: a getter that throws is the config's problem
 * (named with its file), not a bug. A value that cannot be copied (a function) is validated as is.
 */
function plainData(value: unknown, file: string): unknown {
  try {
    return structuredClone(value);
  } catch (err) {
    if (err instanceof DOMException && err.name === 'DataCloneError') return value;
    throw new ConfigError([
      {
        file,
        message: `cannot read the exported config: ${errorMessage(err).split('\n')[0] ?? ''}`,
        hint: 'export plain data (a getter of the exported object threw)',
      },
    ]);
  }
}

/** A 1-based position; column when known. */
interface Position {
  line: number;
  column?: number;
}

const SYNTAX_CHECK_TIMEOUT_MS = 5_000;

/**
 * Where a JavaScript config's syntax error is: Node's `import()` reports none, `node --check`
 * does (`<file>:<line>`, the source line and a caret). Only asked on that error path, bounded.
 */
async function jsSyntaxPosition(
  err: unknown,
  file: string | undefined,
): Promise<Position | undefined> {
  if (!(err instanceof SyntaxError) || file === undefined) return undefined;
  if (!/\.[cm]?js$/.test(file)) return undefined;
  const { execFile } = await import('node:child_process');
  const stderr = await new Promise<string>((resolve) => {
    execFile(
      process.execPath,
      ['--check', file],
      { timeout: SYNTAX_CHECK_TIMEOUT_MS, encoding: 'utf8', env: {} },
      (_e, _out, errText) => resolve(errText),
    );
  });
  const lines = stderr.split('\n');
  const head = lines.findIndex((l) => l.startsWith(`${file}:`));
  if (head < 0) return undefined;
  const line = Number(lines[head]!.slice(file.length + 1));
  if (!Number.isInteger(line) || line < 1) return undefined;
  const caret = lines[head + 2]?.indexOf('^') ?? -1;
  return caret >= 0 ? { line, column: caret + 1 } : { line };
}

function firstLine(text: string): string {
  return (text.split('\n')[0] ?? text).trim();
}

/** A parser's message in one line, without its code frame (`> 1 | ...`, `    | ^`). */
function summary(msg: string): string {
  const lines = msg
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !/^(>|\||\d+ \|)/.test(line));
  return lines.join(' ');
}

function toConfigError(
  err: unknown,
  target: string | undefined,
  jsPosition: Position | undefined,
): ConfigError {
  if (isConfigError(err)) return err;
  const file = (err as { filepath?: unknown } | null)?.filepath;
  const where = typeof file === 'string' ? file : target;
  const msg = errorMessage(err);
  // tsx (esbuild) names the position as `<file>:<line>:<0-based column>: ERROR: <text>`; its
  // file name may differ from the one read (`.ts` for `.mts`), so the one read is used.
  const compiled = /^Transform failed with \d+ errors?:\n.*?:(\d+):(\d+): ERROR: (.*)$/m.exec(msg);
  if (compiled && where !== undefined) {
    return new ConfigError([
      {
        file: where,
        line: Number(compiled[1]),
        column: Number(compiled[2]) + 1,
        message: `cannot compile the config: ${compiled[3] ?? ''}`,
        ...(/top-level await/i.test(compiled[3] ?? '')
          ? { hint: 'name the file .mts, or add "type": "module" to its package.json' }
          : {}),
      },
    ]);
  }
  if (jsPosition !== undefined && where !== undefined) {
    return new ConfigError([
      {
        file: where,
        ...jsPosition,
        message: `JavaScript syntax error: ${firstLine(msg)}`,
      },
    ]);
  }
  const ext = /No loader specified for (?:extension )?"?([^"\s]*)"?/.exec(msg);
  if (ext) {
    return new ConfigError([
      {
        ...(where !== undefined ? { file: where } : {}),
        message: `unsupported config file type ${ext[1] ?? ''}`.trim(),
        hint: 'use .yaml, .yml, .json, .js, .mjs or .ts',
      },
    ]);
  }
  return new ConfigError([
    {
      ...(where !== undefined ? { file: where } : {}),
      message: `cannot load config file: ${summary(msg)}`,
    },
  ]);
}
