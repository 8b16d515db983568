/** zod issues → {@link ConfigIssue}s: config paths, positions, did-you-mean for unknown keys. */
import type { z } from 'zod';
import type { ConfigIssue } from './errors.js';
import { didYouMean } from './did-you-mean.js';
import { formatPath, getAt } from './config-path.js';
import type { Locator } from './locate.js';
import { allowedKeysAt } from './schema-keys.js';

/** Where issues are reported: the file and how to find positions in it. */
export interface IssueContext {
  file?: string;
  locator?: Locator;
}

/** A ConfigIssue at a config path, with the file and line:column when they can be found. */
export function issueAt(
  ctx: IssueContext,
  path: readonly PropertyKey[],
  message: string,
  hint?: string,
): ConfigIssue {
  const issue: ConfigIssue = { message };
  if (ctx.file !== undefined) issue.file = ctx.file;
  const pos = ctx.locator?.locate(path);
  if (pos) {
    issue.line = pos.line;
    issue.column = pos.column;
  }
  if (path.length > 0) issue.path = formatPath(path);
  if (hint !== undefined) issue.hint = hint;
  return issue;
}

/** Converts every zod issue (not only the first) into ConfigIssues. */
export function fromZodIssues(
  issues: readonly z.core.$ZodIssue[],
  schema: z.ZodType,
  data: unknown,
  ctx: IssueContext,
): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of issues) {
    const path = issue.path;
    if (issue.code === 'unrecognized_keys') {
      const allowed = allowedKeysAt(schema, path);
      for (const key of issue.keys) {
        const hint =
          didYouMean(key, allowed) ??
          (allowed.length > 0 ? `allowed: ${allowed.join(', ')}` : undefined);
        out.push(issueAt(ctx, [...path, key], `unknown key "${key}"`, hint));
      }
    } else if (
      issue.code === 'invalid_type' &&
      getAt(data, path) === undefined &&
      path.length > 0
    ) {
      out.push(issueAt(ctx, path, `missing required key (expected ${issue.expected})`));
    } else if (issue.code === 'invalid_type') {
      out.push(
        issueAt(ctx, path, `expected ${issue.expected}, got ${describe(getAt(data, path))}`),
      );
    } else if (issue.code === 'invalid_value') {
      const got = getAt(data, path);
      const hint = typeof got === 'string' ? didYouMean(got, issue.values.map(String)) : undefined;
      out.push(
        issueAt(
          ctx,
          path,
          `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`,
          hint,
        ),
      );
    } else if (issue.code === 'invalid_key' && issue.origin === 'record') {
      const key = String(path[path.length - 1]);
      const msg = issue.issues[0]?.message ?? issue.message;
      out.push(issueAt(ctx, path, `invalid name "${key}": ${msg}`));
    } else {
      out.push(issueAt(ctx, path, cleanMessage(issue.message)));
    }
  }
  return out;
}

function cleanMessage(msg: string): string {
  return msg.replace(/^Invalid input: /, '');
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return 'a string';
  return typeof v;
}
