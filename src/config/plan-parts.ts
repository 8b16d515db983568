/** Builders of the ResolvedPlan's parts from a validated config, through a {@link Normalizer}. */
import type { Normalizer } from './normalize.js';
import { formatHostPort } from './normalize.js';
import type {
  CheckSpec,
  GroupSpec,
  PrepareStepSpec,
  PrerequisitesSpec,
  ReadinessCheckSpec,
  ServiceSpec,
  StageSpec,
} from './plan-types.js';
import type { CheckInput } from './schema-command.js';
import type { Config } from './schema.js';

/** Phase-1 prerequisites. */
export function buildPrerequisites(config: Config, n: Normalizer): PrerequisitesSpec {
  const p = config.prerequisites;
  const at = ['prerequisites'];
  const spec: PrerequisitesSpec = {
    software: p.software.map((s, i) => ({
      name: s.name,
      command: n.command(s.command, [...at, 'software', i, 'command']),
      ...(s.version !== undefined ? { version: s.version } : {}),
    })),
    network: p.network.map((c, i) => {
      if (c.tcp !== undefined) {
        const { host, port } = n.tcp(c.tcp, [...at, 'network', i, 'tcp']);
        return {
          kind: 'tcp' as const,
          host,
          port,
          timeoutMs: c.timeout,
          label: `tcp ${formatHostPort(host, port)}`,
        };
      }
      const url = n.url(c.http ?? '', [...at, 'network', i, 'http']);
      return { kind: 'http' as const, url, timeoutMs: c.timeout, label: `http GET ${url}` };
    }),
    security: {
      secrets: [...p.security.secrets],
      files: p.security.files.map((f, i) => ({
        path: n.path(f.path, [...at, 'security', 'files', i, 'path']),
        mode: f.mode,
      })),
    },
  };
  if (p.hardware !== undefined) {
    const h = p.hardware;
    spec.hardware = {
      disk: h.disk.map((d, i) => ({
        path: n.path(d.path, [...at, 'hardware', 'disk', i, 'path']),
        freeBytes: d.free,
      })),
    };
    if (h.cpus !== undefined) spec.hardware.cpus = h.cpus;
    if (h.memory !== undefined) spec.hardware.memoryBytes = h.memory;
  }
  return spec;
}

/** `prepare` steps. */
export function buildPrepare(config: Config, n: Normalizer): PrepareStepSpec[] {
  return config.prepare.map((p, i) => ({
    name: p.name,
    run: n.command(p.run, ['prepare', i, 'run']),
    ...(p.cleanup !== undefined
      ? { cleanup: n.command(p.cleanup, ['prepare', i, 'cleanup']) }
      : {}),
  }));
}

/** Named checks (`verify`, `integration`); unnamed ones are `<prefix>-<n>`. */
export function buildChecks(
  checks: CheckInput[],
  at: PropertyKey[],
  prefix: string,
  n: Normalizer,
): CheckSpec[] {
  return checks.map((c, i) => ({
    name: c.name ?? `${prefix}-${i + 1}`,
    probe: n.probe(c, [...at, i]),
  }));
}

/** The stage and display group of each service. */
export function stageAndGroup(
  stages: StageSpec[],
  groups: GroupSpec[],
): { stageOf: Map<string, string>; groupOf: Map<string, string> } {
  const stageOf = new Map<string, string>();
  for (const s of stages) for (const svc of s.services) stageOf.set(svc, s.name);
  const groupOf = new Map<string, string>();
  for (const g of groups) for (const svc of g.services) groupOf.set(svc, g.name);
  return { stageOf, groupOf };
}

/** One service as written (`name` is its config name: its config paths are under it). */
export function buildService(
  name: string,
  s: Config['services'][string],
  stage: string,
  group: string,
  n: Normalizer,
): ServiceSpec {
  const at = ['services', name];
  const spec: ServiceSpec = {
    name,
    kind: s.process !== undefined ? 'process' : 'activate',
    dependsOn: [...s.dependsOn],
    stage,
    group,
    timeoutMs: s.timeout,
    readiness: s.readiness.map((r, i) => n.probe(r, [...at, 'readiness', i])),
  };
  if (s.process !== undefined) spec.process = n.command(s.process, [...at, 'process']);
  if (s.activate !== undefined) spec.activate = n.command(s.activate, [...at, 'activate']);
  if (s.rollback !== undefined) spec.rollback = n.command(s.rollback, [...at, 'rollback']);
  if (s.stop !== undefined) spec.stop = n.command(s.stop, [...at, 'stop']);
  if (s.health !== undefined) spec.health = n.probe(s.health, [...at, 'health']);
  if (s.performance !== undefined)
    spec.performance = n.performance(s.performance, [...at, 'performance']);
  return spec;
}

/** Production-readiness checks. */
export function buildReadiness(config: Config, n: Normalizer): ReadinessCheckSpec[] {
  return config.readiness.map((r, i) => {
    const at = ['readiness', i];
    const spec: ReadinessCheckSpec = { name: r.name, category: r.category, severity: r.severity };
    if (r.file !== undefined) spec.file = n.path(r.file, [...at, 'file']);
    else if (r.p95 !== undefined && typeof r.http === 'string') {
      spec.performance = n.performance(
        { http: r.http, samples: r.samples, p95: r.p95, timeout: r.timeout },
        at,
      );
    } else spec.probe = n.probe(r, at);
    return spec;
  });
}
