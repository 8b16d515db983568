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
import { validateConfig } from './validate.js';

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
}): Promise<LoadedConfig> {
  const texts = new Map<string, string>();
  const remember =
    (loader: (file: string, text: string) => unknown): Loader =>
    async (file, text) => {
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
        '.json': remember((f, t) => parseJsonText(t, f)),
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
  let result;
  try {
    const explorer = makeExplorer();
    if (target !== undefined) {
      const kind = await stat(target).then(
        (s) => (s.isDirectory() ? 'dir' : 'file'),
        () => 'missing',
      );
      if (kind === 'missing') {
        throw new ConfigError([
          { message: `config file not found: ${target}`, hint: 'check the -c PATH' },
        ]);
      }
      if (kind === 'dir') searchDir = target;
      result = kind === 'dir' ? await explorer.search(target) : await explorer.load(target);
    } else {
      result = await explorer.search(opts.cwd);
    }
  } catch (err) {
    throw toConfigError(err, target);
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
  const config = validateConfig(plainData(result.config, filePath), {
    file: filePath,
    text,
    prefix,
  });
  return { config, filePath, dir: path.dirname(filePath), text };
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

/** A parser's message in one line, without its code frame (`> 1 | ...`, `    | ^`). */
function summary(msg: string): string {
  const lines = msg
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !/^(>|\||\d+ \|)/.test(line));
  return lines.join(' ');
}

function toConfigError(err: unknown, target: string | undefined): ConfigError {
  if (isConfigError(err)) return err;
  const file = (err as { filepath?: unknown } | null)?.filepath;
  const where = typeof file === 'string' ? file : target;
  const msg = errorMessage(err);
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
