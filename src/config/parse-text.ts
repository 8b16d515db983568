/** YAML and JSON config text → plain data, syntax errors as ConfigErrors with line:column. */
import { CORE_SCHEMA, load as fastLoad } from 'js-yaml';
import { createRequire } from 'node:module';
import type * as YamlLib from 'yaml';
import { ConfigError } from './errors.js';
import type { ConfigIssue } from './errors.js';
import { parseDocumentUniqueKeys } from './yaml-unique-keys.js';

const MAX_SYNTAX_ISSUES = 5;

/**
 * Parses YAML; an empty document (or only comments, or `~`) is undefined. Plain documents take
 * js-yaml's fast path (about 3× faster on a cold start, which is most of `validate`'s time on
 * large configs); anything it refuses, and any document with anchors (alias limits), goes through
 * the `yaml` package, which gives the line and column of every problem.
 */
export function parseYamlText(text: string, file: string): unknown {
  if (!text.includes('&')) {
    try {
      return fastLoad(text, { schema: CORE_SCHEMA, json: false }) ?? undefined;
    } catch {
      // fall through: the precise parser explains the problem with positions
    }
  }
  return parsePrecisely(text, file);
}

function parsePrecisely(text: string, file: string): unknown {
  // Loaded only here: the `yaml` package is large for a cold start and plain YAML never needs it.
  const yaml = createRequire(import.meta.url)('yaml') as typeof YamlLib;
  const lineCounter = new yaml.LineCounter();
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
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new ConfigError([{ file, message: `cannot read YAML: ${firstLine(errorMessage(err))}` }]);
  }
  return data ?? undefined;
}

/** Parses JSON, reporting the line:column of a syntax error. */
export function parseJsonText(text: string, file: string): unknown {
  try {
    return JSON.parse(text) as unknown;
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
