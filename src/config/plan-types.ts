/**
 * The resolved plan: the contract between src/config (which produces it from a config file, an
 * environment and `--var`s) and everything downstream (machines, adapters, reporters, export).
 *
 * Plain serialisable data only: it is journaled and exported. Durations are milliseconds, sizes
 * bytes. Secret VALUES never appear here: only their names (`secretNames`); the adapters read
 * the values from the operator's environment at the boundary.
 */
import type { MonitoringSpec, NotifyTargetSpec } from './plan-monitoring.js';

/** Where a resolved variable's value came from. */
export interface VarSource {
  /** `vars` | `config.files` | `environment` | `--var` | `builtin` */
  kind: 'vars' | 'file' | 'environment' | 'cli' | 'builtin';
  /** The file the value was read from (config file or a `config.files` entry), if any. */
  file?: string;
  /** The config path of the value, for example `environments.staging.vars.API_PORT`. */
  path: string;
}

/** One resolved variable with its provenance. */
export interface ResolvedVar {
  value: string;
  source: VarSource;
}

/** A command, normalised: a string runs through `sh -c`, an array as argv with no shell. */
export interface CommandSpec {
  run: string | string[];
  /** Absolute working directory (the config file's folder unless `cwd` was given). */
  cwd: string;
  /** Extra environment for this command only, on top of the variables. */
  env: Record<string, string>;
  /** Deadline in ms; undefined means the caller's deadline applies. */
  timeoutMs?: number;
  /**
   * The remote host it runs on, over SSH (a command of an instance of a service placed with
   * `on:`). Absent: it runs on the operator's machine. On a host, `cwd` is the folder given in the
   * config, or '' for the deploy user's login folder.
   */
  host?: HostSpec;
}

/** How stagecraft connects to a host (top-level, environment and host `ssh:` merged). */
export interface SshSpec {
  /**
   * Absolute path of the private key (the config's, else the OpenSSH client config's first
   * IdentityFile); absent: the agent (if any) or ~/.ssh/id_ed25519, id_rsa.
   */
  identityFile?: string;
  /**
   * The ssh-agent: an absolute socket path, false for none, or true (the default) for
   * $SSH_AUTH_SOCK as the connecting process has it, if set (read at the adapter boundary, so a
   * resumed deployment uses the agent of the shell it is resumed in).
   */
  agent: boolean | string;
  /** known_hosts files, absolute, in order (default: ~/.ssh/known_hosts). */
  knownHosts: string[];
  connectTimeoutMs: number;
  /** Keepalive interval; the connection is lost after `keepaliveCount` unanswered ones. */
  keepaliveMs: number;
  keepaliveCount: number;
}

/** One host of the inventory, resolved for the environment. */
export interface HostSpec {
  name: string;
  /** Address to connect to and to probe (HostName from ~/.ssh/config when not set). */
  address: string;
  port: number;
  user: string;
  roles: string[];
  vars: Record<string, string>;
  ssh: SshSpec;
}

/** How a placed service's instances are rolled out. */
export interface RolloutSpec {
  /** The service as written in the config. */
  service: string;
  /** Its instances (`service@host`), in inventory order. */
  instances: string[];
  /** Hosts, parallel to `instances`. */
  hosts: string[];
  /** Batch sizes in order; they sum to instances.length. */
  batches: number[];
  /** Failed + unknown instances allowed before the service fails. */
  failureBudget: number;
  /** How long a batch must stay healthy before the next starts (ms). */
  minHealthyMs: number;
}

/** How a probe's HTTP response is judged. */
export interface HttpProbeSpec {
  url: string;
  method: string;
  /** Accepted statuses: exact codes and/or classes like `2xx`. */
  status: Array<number | string>;
  /** A substring, or a `/regex/` (kept as written), the body must match. */
  body?: string;
  headers: Record<string, string>;
}

/** One probe: exactly one of http, tcp, command is set (per `kind`). */
export interface ProbeSpec {
  kind: 'http' | 'tcp' | 'command';
  http?: HttpProbeSpec;
  tcp?: { host: string; port: number };
  command?: CommandSpec;
  intervalMs: number;
  timeoutMs: number;
  retries: number;
  successThreshold: number;
  startPeriodMs: number;
  /** Human label, e.g. `http GET http://127.0.0.1:8080/healthz` or `tcp 127.0.0.1:5432`. */
  label: string;
}

/** The performance baseline: N samples of an HTTP GET, p95 must stay under the limit. */
export interface PerformanceSpec {
  url: string;
  samples: number;
  p95Ms: number;
  timeoutMs: number;
}

/** A service, resolved. */
export interface ServiceSpec {
  name: string;
  /** `activate` = one-shot command that must exit 0; `process` = long-running, detached. */
  kind: 'activate' | 'process';
  dependsOn: string[];
  /** The stage the service belongs to. */
  stage: string;
  /** Its display group: the stage, or its dependency layer when the plan has no `stages:`. */
  group: string;
  activate?: CommandSpec;
  process?: CommandSpec;
  rollback?: CommandSpec;
  stop?: CommandSpec;
  /** Activation deadline (ms). */
  timeoutMs: number;
  health?: ProbeSpec;
  readiness: ProbeSpec[];
  performance?: PerformanceSpec;
  /** For an instance of a service placed with `on:`: the service as written and its host. */
  placement?: { service: string; host: string };
}

/**
 * A service's checks as one release resolved them (its variables interpolated): recorded with
 * the release, so a rollback to it probes the addresses that release serves on.
 */
export type ServiceChecks = Pick<ServiceSpec, 'health' | 'readiness' | 'performance'>;

/** A check that is a probe (`verify`, `integration`): command, http or tcp. */
export interface CheckSpec {
  name: string;
  probe: ProbeSpec;
}

/** A stage, resolved. */
export interface StageSpec {
  name: string;
  /** Service names, in listed order. */
  services: string[];
  parallel: boolean;
  confirm: boolean;
  /** The stage's deadline; 0 for the implicit stage (each service has its own deadlines). */
  timeoutMs: number;
  verify: CheckSpec[];
  /**
   * True for the one stage of a plan without `stages:`: no gate, no deadline of its own; every
   * service starts the moment its own dependencies are healthy.
   */
  implicit: boolean;
}

/** A display group: an explicit stage, or a dependency layer of a plan without `stages:`. */
export interface GroupSpec {
  name: string;
  services: string[];
}

/** A production-readiness check (phase 4). */
export interface ReadinessCheckSpec {
  name: string;
  category: 'performance' | 'security' | 'operational' | 'monitoring' | 'documentation';
  severity: 'critical' | 'warning';
  /** One of: a probe (http/tcp/command), a p95 latency check, a file that must exist. */
  probe?: ProbeSpec;
  performance?: PerformanceSpec;
  file?: string;
}

/** A `prepare` step and its `cleanup`. */
export interface PrepareStepSpec {
  name: string;
  run: CommandSpec;
  cleanup?: CommandSpec;
}

/** Phase 1 checks; nothing here changes anything. */
export interface PrerequisitesSpec {
  hardware?: {
    cpus?: number;
    memoryBytes?: number;
    disk: Array<{ path: string; freeBytes: number }>;
  };
  software: Array<{ name: string; command: CommandSpec; version?: string }>;
  network: Array<
    | { kind: 'tcp'; host: string; port: number; timeoutMs: number; label: string }
    | { kind: 'http'; url: string; timeoutMs: number; label: string }
  >;
  security: { secrets: string[]; files: Array<{ path: string; mode: string }> };
}

type OnFailure = 'ask' | 'rollback' | 'rollback-failed' | 'abort';

interface PolicySpec {
  onFailure: OnFailure;
  degraded: 'continue' | 'ask' | 'fail';
  retries: number;
  decisionTimeoutMs: number;
}

/** Everything a deployment needs, for one environment. */
export interface ResolvedPlan {
  project: string;
  environment: string;
  /** Absolute path of the config file, and its folder (commands run there). */
  configPath: string;
  configDir: string;
  /** sha256 of the config file and the `config.files` it merged (hex). */
  configHash: string;
  /** Variables after precedence (secrets excluded), with provenance. */
  vars: Record<string, ResolvedVar>;
  /** Names of secrets: values are read from process.env at the adapter boundary only. */
  secretNames: string[];
  /** `confirm: stages` on the environment: ask before every stage (interactive runs). */
  confirmStages: boolean;
  prerequisites: PrerequisitesSpec;
  prepare: PrepareStepSpec[];
  services: Record<string, ServiceSpec>;
  /** Stages in order: the explicit ones, or the one implicit stage (see StageSpec.implicit). */
  stages: StageSpec[];
  /** Display groups in order: the explicit stages, or the dependency layers. */
  groups: GroupSpec[];
  /** A topological order of all services (stage by stage). */
  activationOrder: string[];
  /** Reverse topological order. */
  rollbackOrder: string[];
  integration: CheckSpec[];
  readiness: ReadinessCheckSpec[];
  policy: PolicySpec;
  /** The inventory for this environment (absent or empty: everything runs locally). */
  hosts?: Record<string, HostSpec>;
  /** Services placed with `on:`, by their name as written (their instances are in `services`). */
  rollouts?: Record<string, RolloutSpec>;
  /** `monitoring:` merged over the environment chain (absent: none configured). */
  monitoring?: MonitoringSpec;
  /** `state.url`: the team store's database (absent: the state directory). */
  stateUrl?: string;
  /** The notification targets of this environment, in config order (absent: none). */
  notify?: NotifyTargetSpec[];
}
