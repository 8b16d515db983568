/**
 * Variables with provenance, lowest precedence first: top-level `vars`, `config.files` in
 * order, the environment chain from the farthest ancestor, `--var`. `ENV` is builtin.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ConfigIssue } from './errors.js';
import { isConfigError } from './errors.js';
import { dataRecord } from '../core/own.js';
import { interpolate } from './interpolate.js';
import { issueAt } from './issues.js';
import type { IssueContext } from './issues.js';
import { createLocator } from './locate.js';
import { parseJsonText, parseYamlText } from './parse-text.js';
import type { ResolvedVar, VarSource } from './plan-types.js';
import type { Config } from './schema.js';

/** Resolved variables, the texts of the merged files (for the config hash), and problems. */
export interface VarsResult {
  vars: Record<string, ResolvedVar>;
  fileTexts: string[];
  issues: ConfigIssue[];
}

/** What variable resolution needs. */
export interface VarsInput {
  config: Config;
  filePath: string;
  dir: string;
  envName: string;
  /** The environment chain, farthest ancestor first. */
  chain: string[];
  cliVars: Record<string, string>;
  ctx: IssueContext;
}

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The one key a JavaScript object cannot hold as data (assigning it replaces the prototype). */
export const RESERVED_KEY = '__proto__';
/** Why {@link RESERVED_KEY} is refused as a name. */
export const RESERVED_MESSAGE =
  '"__proto__" cannot be used as a name (JavaScript reserves it; it would be dropped silently)';

/** Resolves the variables of one environment. */
export async function resolveVars(input: VarsInput): Promise<VarsResult> {
  const { config, filePath, envName, chain, cliVars, ctx } = input;
  const secrets = new Set(config.secrets);
  const issues: ConfigIssue[] = [];
  // Null-prototype records: a variable may be called `toString` or `constructor`.
  const vars = dataRecord<ResolvedVar>();
  vars.ENV = { value: envName, source: { kind: 'builtin', path: 'ENV' } };
  const set = (name: string, value: string, source: VarSource): void => {
    vars[name] = { value, source };
  };

  for (const [k, v] of Object.entries(config.vars))
    set(k, v, { kind: 'vars', file: filePath, path: `vars.${k}` });
  const later: Array<[string, string, VarSource]> = [];
  for (const env of chain) {
    for (const [k, v] of Object.entries(config.environments?.[env]?.vars ?? {})) {
      later.push([
        k,
        v,
        { kind: 'environment', file: filePath, path: `environments.${env}.vars.${k}` },
      ]);
    }
  }
  for (const [k, v] of Object.entries(cliVars)) {
    if (!NAME_RE.test(k))
      issues.push({ message: `--var ${k}: not a variable name (letters, digits, _)` });
    else if (k === RESERVED_KEY)
      issues.push({ message: `--var ${k}: ${RESERVED_MESSAGE}`, hint: 'use another name' });
    else if (secrets.has(k))
      issues.push({
        message: `--var ${k}: ${k} is a secret`,
        hint: 'set it in the environment, not with --var',
      });
    else if (k === 'ENV')
      issues.push({
        message: '--var ENV: ENV is reserved (it is the environment name)',
        hint: 'use -e NAME',
      });
    else later.push([k, v, { kind: 'cli', path: `--var ${k}` }]);
  }

  // File names see every variable that does not come from a file.
  const nameValues = dataRecord<string>();
  for (const [k, r] of Object.entries(vars)) nameValues[k] = r.value;
  for (const [k, v] of later) nameValues[k] = v;

  const fileTexts: string[] = [];
  for (const [i, raw] of config.config.files.entries()) {
    const at = ['config', 'files', i];
    const name = interpolate(raw, nameValues, secrets);
    if (!name.ok) {
      issues.push(issueAt(ctx, at, `unknown variable \${${name.name}} in a file name`));
      continue;
    }
    const file = path.resolve(input.dir, name.value);
    let text: string;
    try {
      // A FIFO or a device would be waited on forever: only regular files are opened.
      if (!(await stat(file)).isFile()) {
        issues.push(
          issueAt(
            ctx,
            at,
            `not a regular file (a FIFO, socket, device or folder): ${file}`,
            'list regular files in config.files',
          ),
        );
        continue;
      }
      text = await readFile(file, 'utf8');
    } catch {
      issues.push(
        issueAt(
          ctx,
          at,
          `config file not found: ${file}`,
          'create it or remove it from config.files',
        ),
      );
      continue;
    }
    fileTexts.push(text);
    for (const issue of mergeFile(file, text, secrets, set)) issues.push(issue);
  }
  for (const [k, v, source] of later) set(k, v, source);
  return { vars, fileTexts, issues };
}

function mergeFile(
  file: string,
  text: string,
  secrets: ReadonlySet<string>,
  set: (name: string, value: string, source: VarSource) => void,
): ConfigIssue[] {
  let data: unknown;
  try {
    data = path.extname(file) === '.json' ? parseJsonText(text, file) : parseYamlText(text, file);
  } catch (err) {
    if (isConfigError(err)) return err.issues;
    throw err;
  }
  if (data === undefined) return [];
  const fctx: IssueContext = { file, locator: createLocator(text) };
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return [issueAt(fctx, [], 'a variables file must be a mapping of NAME: value')];
  }
  const issues: ConfigIssue[] = [];
  for (const [k, v] of Object.entries(data as Record<string, unknown>)) {
    if (!NAME_RE.test(k))
      issues.push(issueAt(fctx, [k], `"${k}" is not a variable name (letters, digits, _)`));
    else if (k === RESERVED_KEY) issues.push(issueAt(fctx, [k], `"${k}": ${RESERVED_MESSAGE}`));
    else if (secrets.has(k))
      issues.push(issueAt(fctx, [k], `"${k}" is a secret and cannot be set in a file`));
    else if (k === 'ENV')
      issues.push(issueAt(fctx, [k], '"ENV" is reserved: it holds the environment name'));
    else if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') {
      set(k, String(v), { kind: 'file', file, path: k });
    } else
      issues.push(
        issueAt(fctx, [k], `"${k}" must be a string, number or boolean (files are flat)`),
      );
  }
  return issues;
}
