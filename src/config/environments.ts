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

/**
 * Unknown `extends` targets and `extends` cycles. Each cycle is reported once, from the first
 * environment (in listed order) whose chain reaches it, starting where that chain enters it.
 * Linear in the number of environments: every `extends` link is followed once.
 */
export function checkEnvironments(
  config: Pick<Config, 'environments'>,
  ctx: IssueContext,
): ConfigIssue[] {
  const envs = config.environments ?? {};
  const names = Object.keys(envs);
  const issues: ConfigIssue[] = [];
  const cycles = extendsCycles(envs);
  const reported = new Set<string[]>();
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
    const entry = cycles.entry.get(name);
    if (entry === undefined) continue;
    const ring = cycles.ring.get(entry)!;
    if (reported.has(ring.members)) continue;
    reported.add(ring.members);
    const cycle = [...ring.members.slice(ring.at), ...ring.members.slice(0, ring.at), entry];
    issues.push(
      issueAt(
        ctx,
        ['environments', entry, 'extends'],
        `environment extends cycle: ${cycle.join(' → ')}`,
      ),
    );
  }
  return issues;
}

/** A cycle of `extends` as one of its members sees it: the members in order, and its place. */
interface Ring {
  members: string[];
  at: number;
}

/**
 * The `extends` cycles: for every environment whose chain runs into a cycle, the first member
 * of the cycle it meets (`entry`), and for every member its cycle (`ring`). Each environment
 * extends at most one other, so one walk per unvisited environment, stopping at a visited one,
 * follows every link once.
 */
function extendsCycles(envs: Record<string, { extends?: string | undefined }>): {
  entry: Map<string, string>;
  ring: Map<string, Ring>;
} {
  const entry = new Map<string, string>();
  const ring = new Map<string, Ring>();
  const visited = new Set<string>();
  const next = (name: string): string | undefined => {
    const target = envs[name]?.extends;
    return target !== undefined && Object.hasOwn(envs, target) ? target : undefined;
  };
  for (const start of Object.keys(envs)) {
    if (visited.has(start)) continue;
    const path: string[] = [];
    const onPath = new Map<string, number>();
    let cur: string | undefined = start;
    while (cur !== undefined && !visited.has(cur)) {
      visited.add(cur);
      onPath.set(cur, path.length);
      path.push(cur);
      cur = next(cur);
    }
    let met: string | undefined;
    if (cur !== undefined && onPath.has(cur)) {
      // A new cycle: the end of this path, from `cur` on.
      const members = path.slice(onPath.get(cur));
      members.forEach((m, at) => {
        ring.set(m, { members, at });
        entry.set(m, m);
      });
      met = cur;
    } else if (cur !== undefined) met = entry.get(cur);
    if (met === undefined) continue;
    for (const m of path) if (!entry.has(m)) entry.set(m, met);
  }
  return { entry, ring };
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
  const seen = new Set<string>();
  let cur: string | undefined = name;
  while (cur !== undefined && Object.hasOwn(envs, cur) && !seen.has(cur)) {
    seen.add(cur);
    chain.push(cur);
    cur = envs[cur]?.extends;
  }
  return chain.reverse();
}
