/** Environments: listing, selection (`-e`), and `extends` chains. */
import type { ConfigIssue } from './errors.js';
import { ConfigError } from './errors.js';
import { didYouMean } from './did-you-mean.js';
import { issueAt } from './issues.js';
import type { IssueContext } from './issues.js';
import type { Config } from './schema.js';

/** The name of the implicit environment of a config without `environments`. */
const DEFAULT_ENVIRONMENT = 'default';

/** The environments a config defines (`['default']` when it defines none). */
export function listEnvironments(config: Pick<Config, 'environments'>): string[] {
  const names = Object.keys(config.environments ?? {});
  return names.length === 0 ? [DEFAULT_ENVIRONMENT] : names;
}

/** Unknown `extends` targets and `extends` cycles. */
export function checkEnvironments(
  config: Pick<Config, 'environments'>,
  ctx: IssueContext,
): ConfigIssue[] {
  const envs = config.environments ?? {};
  const names = Object.keys(envs);
  const issues: ConfigIssue[] = [];
  const reported = new Set<string>();
  for (const [name, env] of Object.entries(envs)) {
    if (env.extends !== undefined && !Object.hasOwn(envs, env.extends)) {
      issues.push(
        issueAt(
          ctx,
          ['environments', name, 'extends'],
          `environment "${name}" extends unknown environment "${env.extends}"`,
          didYouMean(env.extends, names),
        ),
      );
      continue;
    }
    const chain = [name];
    let cur = env.extends;
    while (cur !== undefined && Object.hasOwn(envs, cur)) {
      if (chain.includes(cur)) {
        const cycle = [...chain.slice(chain.indexOf(cur)), cur];
        const key = [...new Set(cycle)].sort().join('\0');
        if (!reported.has(key)) {
          reported.add(key);
          issues.push(
            issueAt(
              ctx,
              ['environments', cycle[0]!, 'extends'],
              `environment extends cycle: ${cycle.join(' → ')}`,
            ),
          );
        }
        break;
      }
      chain.push(cur);
      cur = envs[cur]?.extends;
    }
  }
  return issues;
}

/** The environment to use: `-e NAME`, the only one, or `default`. @throws ConfigError */
export function selectEnvironment(
  config: Pick<Config, 'environments'>,
  requested: string | undefined,
  file?: string,
): string {
  const names = Object.keys(config.environments ?? {});
  const at = file !== undefined ? { file } : {};
  if (requested !== undefined) {
    const known = names.length === 0 ? [DEFAULT_ENVIRONMENT] : names;
    if (known.includes(requested)) return requested;
    const hint = didYouMean(requested, known) ?? `known: ${known.join(', ')}`;
    throw new ConfigError([{ ...at, message: `unknown environment "${requested}"`, hint }]);
  }
  if (names.length === 0) return DEFAULT_ENVIRONMENT;
  if (names.length === 1) return names[0]!;
  throw new ConfigError([
    { ...at, message: `several environments (${names.join(', ')}): pass -e NAME` },
  ]);
}

/** The `extends` chain of `name`, from the farthest ancestor to `name` itself. */
export function environmentChain(config: Pick<Config, 'environments'>, name: string): string[] {
  const envs = config.environments ?? {};
  const chain: string[] = [];
  let cur: string | undefined = name;
  while (cur !== undefined && Object.hasOwn(envs, cur) && !chain.includes(cur)) {
    chain.unshift(cur);
    cur = envs[cur]?.extends;
  }
  return chain;
}
