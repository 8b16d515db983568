/**
 * Placement: a service with `on:` becomes one instance per host (`api@web-1`), each with its
 * commands on that host and its probes interpolated with HOST, HOST_NAME and the host's vars.
 * Dependencies, stages, groups and orders list the instances in place of the service; an
 * instance depends on the same host's instance of a dependency placed there too.
 */
import type { ConfigIssue } from './errors.js';
import { issueAt } from './issues.js';
import type { IssueContext } from './issues.js';
import { hostEnv, Normalizer } from './normalize.js';
import { buildService, stageAndGroup } from './plan-parts.js';
import type { GroupSpec, HostSpec, RolloutSpec, ServiceSpec, StageSpec } from './plan-types.js';
import { batchSizes, budgetCount, mergeRollout } from './rollout.js';
import type { Config } from './schema.js';

/** What placement needs from the resolution so far. */
export interface PlacementInput {
  config: Config;
  environment: string;
  hosts: Record<string, HostSpec>;
  /** The plan's normalizer: unplaced services are built with it, and every issue goes to it. */
  n: Normalizer;
  stages: StageSpec[];
  groups: GroupSpec[];
  activationOrder: string[];
  values: Readonly<Record<string, string>>;
  secrets: ReadonlySet<string>;
  dir: string;
  ctx: IssueContext;
}

/** The plan parts placement rewrites. */
export interface Placed {
  services: Record<string, ServiceSpec>;
  stages: StageSpec[];
  groups: GroupSpec[];
  activationOrder: string[];
  rollbackOrder: string[];
  rollouts: Record<string, RolloutSpec>;
}

/** The name of the instance of `service` on `host`. */
function instanceName(service: string, host: string): string {
  return `${service}@${host}`;
}

/** The hosts `on` names (host names or roles), in inventory order, each once. */
function placedHosts(on: string | string[], hosts: Record<string, HostSpec>): string[] {
  const wanted = new Set(Array.isArray(on) ? on : [on]);
  return Object.values(hosts)
    .filter((h) => wanted.has(h.name) || h.roles.some((r) => wanted.has(r)))
    .map((h) => h.name);
}

/** Expands every placed service into its instances. */
export function placeServices(input: PlacementInput): Placed {
  const { config, hosts, ctx } = input;
  // Into the plan's issues, so problems stay in config order.
  const issues = input.n.issues;
  const seenIssues = new Set<string>();
  const { stageOf, groupOf } = stageAndGroup(input.stages, input.groups);
  const rolloutOfStage = new Map((config.stages ?? []).map((st) => [st.name, st.rollout]));
  const instancesOf = new Map<string, string[]>();
  const services: Record<string, ServiceSpec> = {};
  const rollouts: Record<string, RolloutSpec> = {};

  for (const [name, s] of Object.entries(config.services)) {
    const stage = stageOf.get(name) ?? '';
    const group = groupOf.get(name) ?? '';
    if (s.on === undefined) {
      services[name] = buildService(name, s, stage, group, input.n);
      continue;
    }
    const on = placedHosts(s.on, hosts);
    if (on.length === 0) {
      issues.push(noHostIssue(ctx, name, s.on, input.environment, hosts));
      instancesOf.set(name, []);
      continue;
    }
    const instances = on.map((h) => instanceName(name, h));
    instancesOf.set(name, instances);
    on.forEach((hostName, i) => {
      const host = hosts[hostName]!;
      const values = Object.assign(Object.create(null) as Record<string, string>, input.values);
      Object.assign(values, hostEnv(host));
      const n = new Normalizer(ctx, input.dir, values, input.secrets, host);
      const spec = buildService(name, s, stage, group, n);
      spec.name = instances[i]!;
      spec.placement = { service: name, host: hostName };
      services[spec.name] = spec;
      // Every instance reports a problem of the service as written: keep one of each.
      for (const issue of n.issues) {
        const key = `${issue.path ?? ''}\0${issue.message}`;
        if (seenIssues.has(key)) continue;
        seenIssues.add(key);
        issues.push(issue);
      }
    });
    const stageRollout = rolloutOfStage.get(stage);
    const r = mergeRollout(s.rollout, stageRollout);
    rollouts[name] = {
      service: name,
      instances,
      hosts: on,
      batches: batchSizes(r.batch, instances.length),
      failureBudget: budgetCount(r.failureBudget, instances.length),
      minHealthyMs: r.minHealthyMs,
    };
  }

  const expand = (names: readonly string[]): string[] =>
    names.flatMap((n) => instancesOf.get(n) ?? [n]);
  // An instance depends on its dependency's instance on the same host when there is one (the
  // per-host lifecycle: api@web-1 needs db@web-1, not db@web-2), else on every instance.
  const dependenciesOf = (spec: ServiceSpec): string[] =>
    spec.dependsOn.flatMap((d) => {
      const instances = instancesOf.get(d);
      if (instances === undefined) return [d];
      const here = spec.placement === undefined ? undefined : instanceName(d, spec.placement.host);
      return here !== undefined && instances.includes(here) ? [here] : instances;
    });
  for (const spec of Object.values(services)) spec.dependsOn = dependenciesOf(spec);
  const activationOrder = expand(input.activationOrder);
  return {
    services,
    stages: input.stages.map((st) => ({ ...st, services: expand(st.services) })),
    groups: input.groups.map((g) => ({ ...g, services: expand(g.services) })),
    activationOrder,
    rollbackOrder: [...activationOrder].reverse(),
    rollouts,
  };
}

function noHostIssue(
  ctx: IssueContext,
  service: string,
  on: string | string[],
  environment: string,
  hosts: Record<string, HostSpec>,
): ConfigIssue {
  const names = Array.isArray(on) ? on : [on];
  const here = Object.values(hosts);
  const roles = [...new Set(here.flatMap((h) => h.roles))];
  const hint =
    here.length === 0
      ? `environment "${environment}" has no hosts: add them under hosts: or environments.${environment}.hosts`
      : `hosts here: ${here.map((h) => h.name).join(', ')}${roles.length > 0 ? `; roles: ${roles.join(', ')}` : ''}`;
  return issueAt(
    ctx,
    ['services', service, 'on'],
    `service "${service}" is placed on ${names.join(', ')}, which matches no host in environment "${environment}"`,
    hint,
  );
}
