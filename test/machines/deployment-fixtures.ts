/** Tiny plan builders for the stage and deployment machine tests. */
import type {
  GroupSpec,
  ProbeSpec,
  ResolvedPlan,
  ServiceSpec,
  StageSpec,
} from '../../src/config/plan-types.js';

/** A command probe (never run: probes are faked in machine tests). */
export function probe(label: string, extra: Partial<ProbeSpec> = {}): ProbeSpec {
  return {
    kind: 'command',
    command: { run: 'true', cwd: '/tmp', env: {} },
    intervalMs: 1000,
    timeoutMs: 1000,
    retries: 3,
    successThreshold: 1,
    startPeriodMs: 0,
    label,
    ...extra,
  };
}

/** An `activate` service (its display group is its stage). */
export function service(name: string, stage: string, dependsOn: string[] = []): ServiceSpec {
  return {
    name,
    kind: 'activate',
    dependsOn,
    stage,
    group: stage,
    activate: { run: `./deploy-${name}.sh`, cwd: '/tmp', env: {} },
    rollback: { run: `./rollback-${name}.sh`, cwd: '/tmp', env: {} },
    timeoutMs: 60_000,
    readiness: [],
  };
}

/** An explicit stage. */
export function stage(name: string, services: string[], extra: Partial<StageSpec> = {}): StageSpec {
  return {
    name,
    services,
    parallel: true,
    confirm: false,
    timeoutMs: 600_000,
    verify: [],
    implicit: false,
    ...extra,
  };
}

/** The display groups of explicit stages: the stages themselves. */
const groupsOf = (stages: StageSpec[]): GroupSpec[] =>
  stages.map((s) => ({ name: s.name, services: [...s.services] }));

/** A plan: stage `data` (db) then stage `app` (api → db, web → api, worker → db). */
export function plan(extra: Partial<ResolvedPlan> = {}): ResolvedPlan {
  const services = {
    db: service('db', 'data'),
    api: service('api', 'app', ['db']),
    web: service('web', 'app', ['api']),
    worker: service('worker', 'app', ['db']),
  };
  const stages = extra.stages ?? [stage('data', ['db']), stage('app', ['api', 'web', 'worker'])];
  return {
    project: 'shop',
    environment: 'staging',
    configPath: '/tmp/stagecraft.config.yaml',
    configDir: '/tmp',
    configHash: 'abc',
    vars: {},
    secretNames: [],
    confirmStages: false,
    prerequisites: { software: [], network: [], security: { secrets: [], files: [] } },
    prepare: [
      {
        name: 'dir',
        run: { run: 'mkdir x', cwd: '/tmp', env: {} },
        cleanup: { run: 'rm -rf x', cwd: '/tmp', env: {} },
      },
      {
        name: 'net',
        run: { run: 'net up', cwd: '/tmp', env: {} },
        cleanup: { run: 'net down', cwd: '/tmp', env: {} },
      },
    ],
    services,
    activationOrder: ['db', 'api', 'worker', 'web'],
    rollbackOrder: ['web', 'worker', 'api', 'db'],
    integration: [],
    readiness: [],
    policy: { onFailure: 'rollback', degraded: 'continue', retries: 0, decisionTimeoutMs: 60_000 },
    ...extra,
    stages,
    groups: extra.groups ?? groupsOf(stages),
  };
}

/**
 * The same services as a plan without `stages:`: one implicit stage `all` (no gate, no deadline)
 * and the dependency layers as display groups (db; api, worker; web).
 */
export function implicitPlan(extra: Partial<ResolvedPlan> = {}): ResolvedPlan {
  const layers: GroupSpec[] = [
    { name: 'layer-1', services: ['db'] },
    { name: 'layer-2', services: ['api', 'worker'] },
    { name: 'layer-3', services: ['web'] },
  ];
  const base = plan();
  const services = Object.fromEntries(
    Object.entries(base.services).map(([name, s]) => [
      name,
      { ...s, stage: 'all', group: layers.find((l) => l.services.includes(name))?.name ?? '?' },
    ]),
  );
  return plan({
    services,
    stages: [
      stage('all', ['db', 'api', 'worker', 'web'], {
        implicit: true,
        timeoutMs: 0,
        confirm: false,
      }),
    ],
    groups: layers,
    ...extra,
  });
}
