/** YAML and JSON config text → plain data, syntax errors as ConfigErrors with line:column. */
import { FAILSAFE_SCHEMA, Type, load as fastLoad } from 'js-yaml';
import { createRequire } from 'node:module';
import type * as YamlLib from 'yaml';
import { ConfigError } from './errors.js';
import type { ConfigIssue } from './errors.js';
import { parseDocumentUniqueKeys } from './yaml-unique-keys.js';

const MAX_SYNTAX_ISSUES = 5;

/**
 * js-yaml's null: a marker, replaced by `null` after loading. As a mapping key it reads as `""`,
 * as the `yaml` package makes it (js-yaml would make it `"null"`).
 */
const NULL_MARK: object = Object.freeze({
  [Symbol.toStringTag]: 'YamlNull',
  toString: () => '',
});

/**
 * A scalar type for js-yaml with the test and value of the `yaml` package's YAML 1.2 core schema
 * (yaml/dist/schema/core). Private tag names: an explicit `!!int` is unknown to this schema, so
 * js-yaml refuses it and the precise parser decides.
 */
function coreType(name: string, test: RegExp, construct: (s: string) => unknown): Type {
  return new Type(`tag:stagecraft,2026:${name}`, {
    kind: 'scalar',
    resolve: (s: string | null) => s !== null && test.test(s),
    construct,
  });
}

/** The `yaml` package's core schema, resolved by js-yaml: plain scalars mean the same in both. */
const CORE_1_2 = FAILSAFE_SCHEMA.extend({
  implicit: [
    coreType('null', /^(?:~|[Nn]ull|NULL)?$/, () => NULL_MARK),
    coreType('bool', /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/, (s) => s[0] === 't' || s[0] === 'T'),
    coreType('int8', /^0o[0-7]+$/, (s) => parseInt(s.substring(2), 8)),
    coreType('int', /^[-+]?[0-9]+$/, (s) => parseInt(s, 10)),
    coreType('int16', /^0x[0-9a-fA-F]+$/, (s) => parseInt(s.substring(2), 16)),
    coreType('nan', /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/, (s) =>
      s.slice(-3).toLowerCase() === 'nan'
        ? NaN
        : s.startsWith('-')
          ? Number.NEGATIVE_INFINITY
          : Number.POSITIVE_INFINITY,
    ),
    coreType('exp', /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/, parseFloat),
    coreType('float', /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/, parseFloat),
  ],
});

/**
 * What only the precise parser reads the way the `yaml` package means it: anchors (alias
 * limits; an alias without one is an error in both), tags, directives (`%YAML 1.1` changes the
 * schema) and keys that are collections (`[a, b]: 1`, `{[a]}`, `? x`; `${NAME}:` is not one).
 * Conservative: text that merely looks like one (a `]:` inside a string) only costs the fast path.
 */
const PRECISE_ONLY =
  /&|(?:^|[\s[{,])!|^%|\][ \t]*:|(?<!\$\{[^{}\n]*)\}[ \t]*:|[{,][ \t]*[[{]|(?:^|[\s[{,])\?(?:[ \t]|$)/m;

/**
 * Parses YAML with the meaning of the `yaml` package (YAML 1.2, core schema) whichever way it
 * goes; an empty document (or only comments, or `~`) is undefined. Plain documents take js-yaml's
 * fast path (about 3× faster on a cold start, which is most of `validate`'s time on large configs)
 * with a schema that resolves scalars exactly as the `yaml` package does; anything it refuses,
 * and anything in {@link PRECISE_ONLY}, goes through the `yaml` package, which gives the line and
 * column of every problem.
 */
export function parseYamlText(text: string, file: string): unknown {
  const fast = parseYamlFast(text);
  return fast.ok ? fast.data : parseYamlPrecisely(text, file);
}

/**
 * js-yaml's reading of plain YAML, with the `yaml` package's meaning; `ok: false` when the text
 * is not plain (see {@link PRECISE_ONLY}) or js-yaml refuses it: then only the precise parser
 * may read it (and explain a problem with positions).
 */
export function parseYamlFast(text: string): { ok: true; data: unknown } | { ok: false } {
  if (PRECISE_ONLY.test(text)) return { ok: false };
  let data: unknown;
  try {
    data = fastLoad(text, { schema: CORE_1_2, json: false });
  } catch {
    return { ok: false };
  }
  return { ok: true, data: withNulls(data) ?? undefined };
}

/** Replaces {@link NULL_MARK} by null, in place; iterative (the data may be deep). */
function withNulls(data: unknown): unknown {
  if (data === NULL_MARK) return null;
  const stack: unknown[] = [data];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node !== 'object' || node === null) continue;
    const record = node as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const value = record[key];
      if (value === NULL_MARK) record[key] = null;
      else if (typeof value === 'object' && value !== null) stack.push(value);
    }
  }
  return data;
}

/**
 * Parses YAML with the `yaml` package (YAML 1.2, core schema): the meaning every config has.
 * Exported for the test that holds both paths to the same data.
 */
export function parseYamlPrecisely(text: string, file: string): unknown {
  // Loaded only here: the `yaml` package is large for a cold start and plain YAML never needs it.
  const yaml = createRequire(import.meta.url)('yaml') as typeof YamlLib;
  const { LineCounter, isCollection, visit } = yaml;
  const lineCounter = new LineCounter();
  const doc = parseDocumentUniqueKeys(yaml, text, lineCounter);
  if (doc.errors.length > 0) {
    const issues: ConfigIssue[] = [];
    const seen = new Set<string>();
    for (const e of doc.errors) {
      const pos = lineCounter.linePos(e.pos[0]);
      const text = /call stack/i.test(e.message)
        ? 'the config is nested too deeply'
        : firstLine(e.message);
      const key = `${pos.line}:${pos.col}`;
      if (seen.has(key)) continue;
      seen.add(key);
      issues.push({ file, line: pos.line, column: pos.col, message: `YAML syntax error: ${text}` });
      if (issues.length >= MAX_SYNTAX_ISSUES) break;
    }
    throw new ConfigError(issues);
  }
  // A list or mapping as a key would become text (and a warning on stderr): refused.
  const collectionKeys: ConfigIssue[] = [];
  visit(doc, {
    Pair(_key, pair) {
      if (!isCollection(pair.key)) return undefined;
      const pos = lineCounter.linePos(pair.key.range?.[0] ?? 0);
      collectionKeys.push({
        file,
        line: pos.line,
        column: pos.col,
        message: 'YAML: a key must be a name, not a list or mapping',
      });
      return collectionKeys.length >= MAX_SYNTAX_ISSUES ? visit.BREAK : undefined;
    },
  });
  if (collectionKeys.length > 0) throw new ConfigError(collectionKeys);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new ConfigError([{ file, message: `cannot read YAML: ${firstLine(errorMessage(err))}` }]);
  }
  return data ?? undefined;
}

/**
 * Parses JSON, reporting the line:column of a syntax error and of every duplicate key (JSON.parse
 * would keep the last one silently; YAML refuses them too). With `only`, only duplicates inside
 * that top-level key count (`package.json`: the rest is npm's).
 */
export function parseJsonText(text: string, file: string, only?: string): unknown {
  let data: unknown;
  try {
    data = JSON.parse(text) as unknown;
  } catch (err) {
    const msg = firstLine(errorMessage(err));
    const m = /(?:at )?position (\d+)/.exec(msg);
    const offset = m ? Number(m[1]) : text.length;
    const { line, column } = lineColumn(text, offset);
    const clean = msg
      .replace(/\s*(?:in JSON )?at position \d+.*$/, '')
      .replace(/, ".*" is not valid JSON$/, '');
    throw new ConfigError([{ file, line, column, message: `JSON syntax error: ${clean}` }]);
  }
  const duplicates = duplicateKeys(text).filter((d) => only === undefined || d.top === only);
  if (duplicates.length > 0) {
    throw new ConfigError(
      duplicates.map(({ key, offset }) => ({
        file,
        ...lineColumn(text, offset),
        message: `JSON: duplicate key ${JSON.stringify(key)}`,
        hint: 'each key may appear once in an object',
      })),
    );
  }
  return data;
}

/**
 * The second and later occurrences of a key in the same object of JSON text that JSON.parse
 * accepted (so it is well formed): one linear scan, a set of keys per open object.
 */
function duplicateKeys(text: string): Array<{ key: string; offset: number; top?: string }> {
  const found: Array<{ key: string; offset: number; top?: string }> = [];
  // The latest key of the root object: the top-level key a duplicate is under (or is).
  let top: string | undefined;
  // One entry per open container: the keys of an object, or null for an array.
  const open: Array<Set<string> | null> = [];
  let expectKey = false;
  for (let i = 0; i < text.length && found.length < MAX_SYNTAX_ISSUES; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x7b /* { */) {
      open.push(new Set());
      expectKey = true;
    } else if (c === 0x5b /* [ */) {
      open.push(null);
      expectKey = false;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      open.pop();
      expectKey = false;
    } else if (c === 0x2c /* , */) {
      expectKey = open[open.length - 1] instanceof Set;
    } else if (c === 0x22 /* " */) {
      let end = i + 1;
      while (text.charCodeAt(end) !== 0x22) end += text.charCodeAt(end) === 0x5c ? 2 : 1;
      const keys = open[open.length - 1];
      if (expectKey && keys) {
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        if (open.length === 1) top = key;
        if (keys.has(key)) found.push({ key, offset: i, ...(top === undefined ? {} : { top }) });
        else keys.add(key);
      }
      expectKey = false;
      i = end;
    }
  }
  return found;
}

/** 1-based line and column of a character offset. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

/** The message of anything thrown. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function firstLine(s: string): string {
  return (s.split('\n')[0] ?? s).trim();
}
