/**
 * A loaded config + an environment + `--var`s → the {@link ResolvedPlan}: variables with
 * provenance, rules checked, `${NAME}` interpolated, everything normalised, stages and orders.
 * Secret values are never read here: the plan holds only their names.
 */
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import type { ConfigIssue } from './errors.js';
import { ConfigError } from './errors.js';
import { environmentChain, selectEnvironment } from './environments.js';
import { dependencyLayers, topoOrder } from './graph.js';
import { inventoryNames, resolveInventory } from './inventory.js';
import type { LocalSide } from './inventory.js';
import { issueAt } from './issues.js';
import type { IssueContext } from './issues.js';
import type { LoadedConfig } from './load.js';
import { buildMonitoring, buildNotify } from './monitoring.js';
import { Normalizer } from './normalize.js';
import { placeServices } from './placement.js';
import { buildChecks, buildPrepare, buildPrerequisites, buildReadiness } from './plan-parts.js';
import type { GroupSpec, ResolvedPlan, ResolvedVar, StageSpec } from './plan-types.js';
import { checkRules } from './rules.js';
import { stageSchema } from './schema-service.js';
import { issueContext } from './validate.js';
import { resolveVars } from './vars.js';

/** Options of {@link resolvePlan}. */
export interface ResolveOptions {
  /** `-e NAME`. */
  env?: string;
  /** `--var KEY=VALUE`s (highest precedence). */
  vars?: Record<string, string>;
  /** Where secret values live (process.env); only presence could matter, values are never read. */
  secretsFrom?: Record<string, string | undefined>;
  /**
   * The operator's side for fleet defaults: `~/` ($HOME), the login user.
   * Defaults to this process's; tests pass their own so the real ~/.ssh is never read.
   */
  local?: Partial<LocalSide>;
}

/** Resolves the plan for one environment. @throws ConfigError listing every problem */
export async function resolvePlan(
  loaded: LoadedConfig,
  opts: ResolveOptions = {},
): Promise<ResolvedPlan> {
  const { config, filePath, dir, text } = loaded;
  const prefix = path.basename(filePath) === 'package.json' ? ['stagecraft'] : [];
  const ctx = issueContext({ file: filePath, text, prefix });
  const environment = selectEnvironment(config, opts.env, filePath);
  const chain = environmentChain(config, environment);
  const resolved = await resolveVars({
    config,
    filePath,
    dir,
    envName: environment,
    chain,
    cliVars: opts.vars ?? {},
    ctx,
  });
  const issues: ConfigIssue[] = [...resolved.issues];
  for (const issue of ruleIssues(loaded, resolved.vars, ctx)) issues.push(issue);

  const values = Object.create(null) as Record<string, string>;
  for (const [k, v] of Object.entries(resolved.vars)) values[k] = v.value;
  const secretNames = [...new Set([...config.secrets, ...config.prerequisites.security.secrets])];
  const n = new Normalizer(ctx, dir, values, new Set(secretNames));

  const layers = dependencyLayers(config.services);
  const stages: StageSpec[] =
    config.stages === undefined
      ? [implicitStage(layers.flatMap((l) => l.services))]
      : config.stages.map((s, i) => ({
          name: s.name,
          services: [...s.services],
          parallel: s.parallel,
          confirm: s.confirm,
          timeoutMs: s.timeout,
          verify: buildChecks(s.verify, ['stages', i, 'verify'], 'verify', n),
          implicit: false,
        }));
  const groups: GroupSpec[] =
    config.stages === undefined
      ? layers
      : stages.map((s) => ({ name: s.name, services: [...s.services] }));
  const activationOrder = topoOrder(config.services, groups);
  const confirm = chain
    .map((e) => config.environments?.[e]?.confirm)
    .filter((c) => c !== undefined)
    .pop();

  // Built in this order so problems are listed in config order.
  const prerequisites = buildPrerequisites(config, n);
  const prepare = buildPrepare(config, n);
  const fleet = inventoryNames(config).hosts.length > 0;
  const inventory = fleet
    ? await resolveInventory({ config, chain, dir, local: localSide(opts.local), ctx })
    : { hosts: {}, issues: [] };
  for (const issue of inventory.issues) issues.push(issue);
  const placed = placeServices({
    config,
    environment,
    hosts: inventory.hosts,
    n,
    stages,
    groups,
    activationOrder,
    values,
    secrets: new Set(secretNames),
    dir,
    ctx,
  });

  const project = config.name ?? path.basename(dir);
  const monitoring = buildMonitoring(config, chain, project, n, ctx);
  for (const issue of monitoring.issues) issues.push(issue);
  const notify = buildNotify(config, chain, n);

  const plan: ResolvedPlan = {
    project,
    environment,
    configPath: filePath,
    configDir: dir,
    configHash: hashTexts([text, ...resolved.fileTexts]),
    vars: resolved.vars,
    secretNames,
    confirmStages: confirm === 'stages' || confirm === true,
    prerequisites,
    prepare,
    services: placed.services,
    stages: placed.stages,
    groups: placed.groups,
    activationOrder: placed.activationOrder,
    rollbackOrder: placed.rollbackOrder,
    integration: buildChecks(config.integration, ['integration'], 'integration', n),
    readiness: buildReadiness(config, n),
    policy: {
      onFailure: config.policy.onFailure,
      degraded: config.policy.degraded,
      retries: config.policy.retries,
      decisionTimeoutMs: config.policy.decisionTimeout,
    },
  };
  if (fleet) plan.hosts = inventory.hosts;
  if (Object.keys(placed.rollouts).length > 0) plan.rollouts = placed.rollouts;
  if (monitoring.spec !== undefined) plan.monitoring = monitoring.spec;
  if (notify.length > 0) plan.notify = notify;
  if (config.state !== undefined) plan.stateUrl = config.state.url;
  for (const issue of n.issues) issues.push(issue); // not push(...): 200,000 issues overflow the stack
  if (issues.length > 0) throw new ConfigError(issues);
  return plan;
}

/** The operator's side, from this process where the caller gave none. */
function localSide(given: Partial<LocalSide> = {}): LocalSide {
  return {
    home: given.home ?? process.env.HOME ?? os.homedir(),
    user: given.user ?? os.userInfo().username,
  };
}

/** The name of the one stage of a plan without `stages:`. */
const IMPLICIT_STAGE = 'all';

/** The implicit stage: every service, scheduled by its dependencies alone; no gate, no deadline. */
function implicitStage(services: string[]): StageSpec {
  return {
    name: IMPLICIT_STAGE,
    services,
    parallel: true,
    confirm: false,
    timeoutMs: 0,
    verify: [],
    implicit: true,
  };
}

/**
 * The plan with its dependency layers as gated stages, for a plan without `stages:` run with
 * `--step` or `confirm: stages`: the operator asked to confirm each step, so each layer becomes a
 * stage (with the default stage deadline) that waits for the one before. A plan with explicit
 * stages is returned as it is.
 */
export function withLayerStages(plan: ResolvedPlan): ResolvedPlan {
  if (!plan.stages.every((s) => s.implicit)) return plan;
  const timeoutMs = stageSchema.parse({ name: 'layer', services: ['layer'] }).timeout;
  const stages: StageSpec[] = plan.groups.map((g) => ({
    name: g.name,
    services: [...g.services],
    parallel: true,
    confirm: false,
    timeoutMs,
    verify: [],
    implicit: false,
  }));
  const services = Object.fromEntries(
    Object.entries(plan.services).map(([name, s]) => [name, { ...s, stage: s.group }]),
  );
  return { ...plan, stages, services };
}

function ruleIssues(
  loaded: LoadedConfig,
  vars: Record<string, ResolvedVar>,
  ctx: IssueContext,
): ConfigIssue[] {
  return checkRules(loaded.config.config.rules, vars).map((v) => {
    const hint = `rule config.rules.${v.name}: ${v.rule}`;
    const source = v.resolved?.source;
    if (source === undefined) return issueAt(ctx, ['config', 'rules', v.name], v.message, hint);
    const where = source.kind === 'cli' ? 'from --var' : `from ${source.path}`;
    const issue: ConfigIssue = { message: `${v.message} (${where})`, path: source.path, hint };
    if (source.file !== undefined) {
      issue.file = source.file;
      const pos = locateSource(loaded, source.file, source.path, ctx);
      if (pos) Object.assign(issue, { line: pos.line, column: pos.column });
    }
    return issue;
  });
}

function locateSource(loaded: LoadedConfig, file: string, configPath: string, ctx: IssueContext) {
  if (file === loaded.filePath) return ctx.locator?.locate(configPath.split('.'));
  return undefined;
}

/** sha256 (hex) of the config text and the merged files' texts, in order. */
function hashTexts(texts: string[]): string {
  const h = createHash('sha256');
  texts.forEach((t, i) => {
    if (i > 0) h.update('\0');
    h.update(t);
  });
  return h.digest('hex');
}
