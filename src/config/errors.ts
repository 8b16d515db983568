/**
 * Config errors: everything a user can get wrong in a config file (or in `-e`/`--var`) is a
 * {@link ConfigError} holding one or more {@link ConfigIssue}s, printed by
 * {@link formatConfigError} as one line each: where (file:line:col and config path), what, and
 * what to do. Never a stack trace.
 */
import path from 'node:path';

/** One thing wrong with the config. */
export interface ConfigIssue {
  /** What is wrong, one sentence. */
  message: string;
  /** The file it is in (absolute or as given). */
  file?: string;
  /** 1-based position, when known. */
  line?: number;
  column?: number;
  /** Config path like `services.api.health.http`. */
  path?: string;
  /** What to do, or a did-you-mean: `did you mean "dependsOn"?`. */
  hint?: string;
}

/** A config the user can fix: exit 2, nothing changed. */
export class ConfigError extends Error {
  readonly kind = 'config-invalid';
  readonly issues: ConfigIssue[];

  constructor(issues: ConfigIssue[]) {
    super(issues.map((i) => formatIssue(i)).join('\n'));
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/** True for a {@link ConfigError} (also across module copies). */
export function isConfigError(err: unknown): err is ConfigError {
  return (
    err instanceof ConfigError ||
    (typeof err === 'object' &&
      err !== null &&
      (err as { kind?: unknown }).kind === 'config-invalid')
  );
}

/** `file:line:col path: message (hint)`, the file relative to `cwd` when inside it. */
function formatIssue(issue: ConfigIssue, cwd?: string): string {
  let where = '';
  if (issue.file !== undefined) {
    where = displayPath(issue.file, cwd);
    if (issue.line !== undefined) {
      where += `:${issue.line}`;
      if (issue.column !== undefined) where += `:${issue.column}`;
    }
  }
  const head = [where, issue.path].filter((s) => s !== undefined && s !== '').join(' ');
  const hint = issue.hint !== undefined ? ` (${issue.hint})` : '';
  return `${head === '' ? '' : `${head}: `}${issue.message}${hint}`;
}

/** Multi-line human text for a {@link ConfigError}: a header, then one line per issue. */
export function formatConfigError(err: ConfigError, cwd: string = process.cwd()): string {
  const n = err.issues.length;
  const header = n === 1 ? 'invalid config:' : `invalid config (${n} problems):`;
  return [header, ...err.issues.map((i) => `  ${formatIssue(i, cwd)}`)].join('\n');
}

function displayPath(file: string, cwd: string | undefined): string {
  if (cwd === undefined || !path.isAbsolute(file)) return file;
  const rel = path.relative(cwd, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}
