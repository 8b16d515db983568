/**
 * Validation of loaded data: the zod schema (every issue, with positions), then the
 * cross-checks that hold for every environment (graph, `extends`, secrets, unique names).
 */
import path from 'node:path';
import type { ConfigIssue } from './errors.js';
import { ConfigError } from './errors.js';
import { didYouMean } from './did-you-mean.js';
import { checkEnvironments } from './environments.js';
import { checkFleet } from './fleet-checks.js';
import { checkGraph } from './graph.js';
import { fromZodIssues, issueAt } from './issues.js';
import type { IssueContext } from './issues.js';
import { createLocator } from './locate.js';
import { checkNotify } from './monitoring.js';
import { configSchema } from './schema.js';
import type { Config } from './schema.js';

/** Where the data came from, for error positions. */
export interface SourceInfo {
  file?: string;
  /** The file's text; YAML/JSON text gives line:column. */
  text?: string;
  /** Path of the config inside the file (`['stagecraft']` in package.json). */
  prefix?: string[];
}

const POSITIONED = new Set(['.yaml', '.yml', '.json', '']);

/** The issue context for a file: positions only for YAML/JSON text. */
export function issueContext(source: SourceInfo): IssueContext {
  const ctx: IssueContext = {};
  if (source.file !== undefined) ctx.file = source.file;
  const ext = source.file !== undefined ? path.extname(source.file) : '.yaml';
  if (source.text !== undefined && POSITIONED.has(ext))
    ctx.locator = createLocator(source.text, source.prefix);
  return ctx;
}

/** Validates raw config data. @throws ConfigError listing every problem found */
export function validateConfig(raw: unknown, source: SourceInfo = {}): Config {
  const ctx = issueContext(source);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    const found = raw === null ? 'null' : Array.isArray(raw) ? 'a list' : `a ${typeof raw}`;
    throw new ConfigError([
      issueAt(ctx, [], `the config must be a mapping of keys, found ${found}`),
    ]);
  }
  let parsed;
  try {
    parsed = configSchema.safeParse(raw);
  } catch (err) {
    if (err instanceof RangeError)
      throw new ConfigError([issueAt(ctx, [], 'the config is nested too deeply')]);
    throw err;
  }
  if (!parsed.success)
    throw new ConfigError(fromZodIssues(parsed.error.issues, configSchema, raw, ctx));
  const config = parsed.data;
  const issues = [
    ...checkGraph(config.services, config.stages, ctx),
    ...checkEnvironments(config, ctx),
    ...checkSecrets(config, ctx),
    ...checkUniqueNames(config, ctx),
    ...checkFleet(config, ctx),
    ...checkNotify(config, ctx),
  ];
  if (issues.length > 0) throw new ConfigError(issues);
  return config;
}

function checkSecrets(config: Config, ctx: IssueContext): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const secrets = new Set(config.secrets);
  config.prerequisites.security.secrets.forEach((name, i) => {
    if (!secrets.has(name)) {
      issues.push(
        issueAt(
          ctx,
          ['prerequisites', 'security', 'secrets', i],
          `"${name}" is not declared in secrets`,
          didYouMean(name, secrets) ?? `add it to secrets`,
        ),
      );
    }
  });
  const varMaps: Array<[PropertyKey[], Record<string, string>]> = [[['vars'], config.vars]];
  for (const [env, def] of Object.entries(config.environments ?? {}))
    varMaps.push([['environments', env, 'vars'], def.vars]);
  for (const [at, vars] of varMaps) {
    for (const name of Object.keys(vars)) {
      if (secrets.has(name)) {
        issues.push(
          issueAt(
            ctx,
            [...at, name],
            `"${name}" is a secret and cannot be set as a variable`,
            'set it in the environment of the stagecraft process',
          ),
        );
      } else if (name === 'ENV') {
        issues.push(
          issueAt(ctx, [...at, name], '"ENV" is reserved: it holds the environment name'),
        );
      }
    }
  }
  return issues;
}

function checkUniqueNames(config: Config, ctx: IssueContext): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const unique = (items: Array<{ name?: string | undefined }>, at: string, what: string): void => {
    const seen = new Set<string>();
    items.forEach((item, i) => {
      if (item.name === undefined) return;
      if (seen.has(item.name))
        issues.push(issueAt(ctx, [at, i, 'name'], `two ${what} are named "${item.name}"`));
      seen.add(item.name);
    });
  };
  unique(config.prepare, 'prepare', 'prepare steps');
  unique(config.readiness, 'readiness', 'readiness checks');
  unique(config.integration, 'integration', 'integration checks');
  return issues;
}
