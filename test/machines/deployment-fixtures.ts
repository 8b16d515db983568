/** Tiny plan builders for the stage and deployment machine tests. */
import type {
  ProbeSpec,
  ResolvedPlan,
  ServiceSpec,
  StageSpec,
} from '../../src/config/plan-types.js';

/** A command probe (never run: probes are faked in machine tests). */
export function probe(label: string): ProbeSpec {
  return {
    kind: 'command',
    command: { run: 'true', cwd: '/tmp', env: {} },
    intervalMs: 1000,
    timeoutMs: 1000,
    retries: 3,
    successThreshold: 1,
    startPeriodMs: 0,
    label,
  };
}

/** An `activate` service. */
export function service(name: string, stage: string, dependsOn: string[] = []): ServiceSpec {
  return {
    name,
    kind: 'activate',
    dependsOn,
    stage,
    activate: { run: `./deploy-${name}.sh`, cwd: '/tmp', env: {} },
    rollback: { run: `./rollback-${name}.sh`, cwd: '/tmp', env: {} },
    timeoutMs: 60_000,
    readiness: [],
  };
}

/** A stage. */
export function stage(name: string, services: string[], extra: Partial<StageSpec> = {}): StageSpec {
  return {
    name,
    services,
    parallel: true,
    confirm: false,
    timeoutMs: 600_000,
    verify: [],
    ...extra,
  };
}

/** A plan: stage `data` (db) then stage `app` (api → db, web → api, worker → db). */
export function plan(extra: Partial<ResolvedPlan> = {}): ResolvedPlan {
  const services = {
    db: service('db', 'data'),
    api: service('api', 'app', ['db']),
    web: service('web', 'app', ['api']),
    worker: service('worker', 'app', ['db']),
  };
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
    stages: [stage('data', ['db']), stage('app', ['api', 'web', 'worker'])],
    activationOrder: ['db', 'api', 'worker', 'web'],
    rollbackOrder: ['web', 'worker', 'api', 'db'],
    integration: [],
    readiness: [],
    policy: { onFailure: 'rollback', degraded: 'continue', retries: 0, decisionTimeoutMs: 60_000 },
    ...extra,
  };
}
