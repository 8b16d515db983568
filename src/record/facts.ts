/**
 * Deployment facts: the typed, versioned domain events a run records — the durable record of
 * what happened. The statecharts record them through their `record` action; the runtime stamps
 * each with a time, masks secrets, appends it to the journal (fsync'd) and only then folds it
 * into the view the terminal UI and the reporters show (fold.ts). `show` and `resume` read the
 * same facts back. Nothing here depends on XState: a journal stays readable by any version that
 * knows {@link FACTS_VERSION}.
 */
import type { ServiceChecks } from '../config/plan-types.js';
import type { Failure } from './failures.js';
import type { NotifyEventName } from '../config/plan-monitoring.js';

/** Bumped when a fact changes shape in a way older readers would misread. */
export const FACTS_VERSION = 1;

/**
 * Bumped when the statecharts change in a way that makes an older journal unsafe to resume
 * from (the resume plan would enter states that no longer mean the same thing).
 */
export const MACHINE_VERSION = 'stagecraft-machines/2';

/** Lifecycle state of one service. */
export type ServiceState =
  | 'pending'
  | 'waiting'
  | 'activating'
  | 'checking'
  | 'healthy'
  | 'degraded'
  | 'unhealthy'
  | 'failed'
  | 'skipped'
  | 'rolling-back'
  | 'rolled-back'
  | 'rollback-failed'
  /** Its rollback failed and the operator marked it resolved (fixed by hand): not observed. */
  | 'resolved-by-hand';

/** Health verdict of one service. */
export type Verdict = 'healthy' | 'degraded' | 'unhealthy';

/** A choice offered to the operator. */
export type Choice =
  | 'proceed'
  | 'skip-stage'
  | 'abort'
  | 'retry'
  | 'skip'
  | 'rollback'
  | 'continue'
  | 'accept'
  | 'mark-resolved'
  /** Keep the release a watch found failing (do not roll back). */
  | 'keep';

/** What a pending decision is about. */
export type DecisionKind =
  | 'confirm-stage'
  | 'failure'
  | 'degraded'
  | 'readiness-warnings'
  | 'rollback-step'
  | 'interrupted'
  /** A service failed during the watch after the deployment: roll back or keep? */
  | 'watch-failed';

/** How a watch after the deployment ended. */
export type WatchVerdict = 'healthy' | 'failed' | 'alerted' | 'interrupted';

/** A prompt waiting for the operator. */
export interface PendingDecision {
  id: string;
  kind: DecisionKind;
  /** The stage or service it concerns. */
  subject: string;
  message: string;
  /** Only the choices valid now. */
  choices: Choice[];
  defaultChoice: Choice;
  /** epoch ms: the default is taken then. */
  deadline: number;
  retry?: { n: number; cap: number };
}

/** A decision taken, with who took it and when. */
export interface DecisionRecord {
  id: string;
  kind: DecisionKind;
  subject: string;
  choice: Choice;
  /** `operator`, `policy`, `timeout`, a user name ... */
  by: string;
  at: number;
}

/** How a run ended. */
type RunResult =
  'succeeded' | 'succeeded-with-warnings' | 'failed' | 'rollback-incomplete' | 'aborted';

/** The outcome of a run: what the machines concluded. src/cli maps it to an exit code. */
export interface Outcome {
  result: RunResult;
  /** SIGINT/SIGTERM (or the UI's Ctrl-C) took part in how it ended. */
  interrupted: boolean;
  reason?: string;
  restored?: string[];
  notRestored?: Array<{ name: string; reason: string }>;
  /** An abort before anything changed (no prepare step ran, no service began). */
  unchanged?: boolean;
}

/** The phase of a run. */
export type Phase =
  | 'validating'
  | 'preparing'
  | 'activating'
  | 'verifying'
  | 'finalizing'
  | 'rolling-back'
  | 'stopping'
  | 'done';

/** Status of a stage (or of a display group of an implicit plan). */
export type StageStatus =
  | 'pending'
  | 'confirming'
  | 'running'
  | 'verifying'
  | 'succeeded'
  | 'failed'
  | 'skipped'
  /** A dependency layer the deployment ended part way through (display groups only). */
  | 'incomplete'
  /** It had succeeded; the rollback then undid every service of it. */
  | 'rolled-back';

/** What kind of run a journal records. */
export type RunKind = 'deploy' | 'rollback' | 'down';

/** The release that was live before a deployment (what a rollback returns to). */
export interface PreviousRelease {
  release: string;
  /** Variables per service. */
  env: Record<string, Record<string, string>>;
  /** Services that were running. */
  running: string[];
  /** Each service's checks as that release resolved them (absent in older releases). */
  checks?: Record<string, ServiceChecks>;
  /** Services that release recorded as skipped (not a healthy part of it). */
  skipped?: string[];
}

/** A process service instance as started (an observation, journaled). */
export interface ProcessFacts {
  pid: number;
  /** /proc start time of the pid: tells it apart from a reused pid. */
  procStart?: number;
  logFile: string;
  startedAt: number;
}

/**
 * What stagecraft saw of a process service when it reached its verdict (journaled with it): the
 * process alive and the same one it started, and who holds the port its health check reaches.
 */
export interface ProcessObservation {
  pid: number;
  alive: boolean;
  /** The port of its http/tcp health check on this machine, and who listens there. */
  port?: {
    host: string;
    port: number;
    /** The listening process, when /proc tells. */
    holder?: number;
    /** The listener is in the service's process group. */
    ours?: boolean;
    /** Not ours: the service stagecraft runs that holds it (the check goes through it). */
    via?: string;
  };
}

/** The plan as the record needs it: enough to show and resume a run without the config. */
export interface PlanOutline {
  stages: Array<{ name: string; services: string[]; gate: boolean }>;
  /** Display groups: the explicit stages, or the dependency layers of an implicit plan. */
  groups: Array<{ name: string; services: string[] }>;
  services: Array<{
    name: string;
    kind: 'activate' | 'process';
    stage: string;
    group: string;
    /** An instance of a service placed on hosts: the service and its host. */
    placement?: { service: string; host: string };
  }>;
  prepare: string[];
  /** policy.retries + 1. */
  maxAttempts: number;
}

/** One prerequisite check's result. */
export interface PrerequisiteCheck {
  category: 'hardware' | 'software' | 'network' | 'security';
  name: string;
  ok: boolean;
  detail: string;
}

/** The facts a run records. Every journal line is one of these plus `ts` and `seq`. */
export type Fact =
  | {
      type: 'run.started';
      kind: RunKind;
      deploymentId: string;
      project: string;
      environment: string;
      configHash: string;
      factsVersion: number;
      machineVersion: string;
      by: string;
      host: string;
      pid: number;
      command: string;
      plan: PlanOutline;
      previous?: PreviousRelease;
      /** `rollback`: the release it returns to. */
      target?: { release: string; from: string };
    }
  | { type: 'phase'; phase: Phase }
  | { type: 'prerequisites.checked'; ok: boolean; checks: PrerequisiteCheck[] }
  | {
      type: 'prepare.step';
      name: string;
      status: 'running' | 'succeeded' | 'failed' | 'skipped';
      detail?: string;
    }
  | {
      type: 'prepare.cleanup';
      name: string;
      status: 'running' | 'succeeded' | 'failed';
      detail?: string;
    }
  | { type: 'stage.status'; stage: string; status: StageStatus; deadline?: number; detail?: string }
  | {
      type: 'service.state';
      service: string;
      state: ServiceState;
      attempt: number;
      maxAttempts: number;
      verdict?: Verdict;
      reason?: string;
      /** When failed, unhealthy or degraded: what failed, as data (`reason` is its wording). */
      failure?: Failure;
      /** A process service's verdict: the observation of the process that backs it. */
      observed?: ProcessObservation;
    }
  | {
      type: 'service.activated';
      service: string;
      attempt: number;
      /** Always 0: the fact is recorded only for a successful activation. */
      exitCode: 0;
      durationMs: number;
      /** The activation was journaled as succeeded before an interruption: not run again. */
      resumed?: boolean;
    }
  | ({ type: 'service.process'; service: string; resumed?: boolean } & ProcessFacts)
  | {
      type: 'health.attempt';
      service: string;
      probe: string;
      attempt: number;
      of: number;
      ok: boolean;
      detail: string;
      durationMs: number;
    }
  | {
      type: 'check';
      phase: 'verify' | 'integration' | 'readiness';
      name: string;
      ok: boolean;
      detail: string;
      stage?: string;
      /** A service's own readiness probe or performance baseline. */
      service?: string;
      severity?: 'critical' | 'warning';
      category?: string;
    }
  | { type: 'decision.requested'; decision: PendingDecision }
  | ({ type: 'decision.taken' } & DecisionRecord)
  | { type: 'warning'; message: string }
  /** A placed service's rollout released batch `batch` (1-based) of `of`: these instances start. */
  | { type: 'rollout.batch'; service: string; batch: number; of: number; instances: string[] }
  | { type: 'monitor.lost'; service: string; reason: string }
  /** One attempt to tell a `notify:` target of `event`, as it ended (never with a secret). */
  | {
      type: 'notify.attempt';
      event: NotifyEventName;
      target: string;
      kind: string;
      attempt: number;
      status: 'sent' | 'retrying' | 'failed';
      detail: string;
      retryInMs?: number;
    }
  /** The watch after the deployment began: these services are probed for `windowMs`. */
  | { type: 'watch.started'; services: string[]; windowMs: number; intervalMs: number }
  /**
   * One probe of the watch whose result differs from the last one recorded for that probe (the
   * first one, and each change between passing and failing).
   */
  | {
      type: 'watch.probe';
      service: string;
      /** The probe's label (or `performance <url>`). */
      probe: string;
      ok: boolean;
      detail: string;
      durationMs: number;
    }
  /** A service failed during a watch whose policy is `alert`: the watch goes on. */
  | { type: 'watch.alert'; service: string; reason: string; atMs: number }
  /** A service that failed during the watch passes again. */
  | { type: 'watch.recovered'; service: string; atMs: number }
  /**
   * How the watch ended, `atMs` after it began: `failed` names the service and why (the caller
   * rolls back), `alerted` says a failure was only reported (or kept by the operator).
   */
  | {
      type: 'watch.verdict';
      verdict: WatchVerdict;
      service?: string;
      reason?: string;
      atMs: number;
    }
  | {
      type: 'rollback.started';
      steps: string[];
      cleanups: string[];
      scope: 'all' | 'failed';
      /** Why the deployment is rolled back. */
      reason?: string;
    }
  | {
      type: 'rollback.step';
      service: string;
      status:
        'started' | 'restored' | 'failed' | 'resolved-by-hand' | 'interrupted' | 'not-attempted';
      attempt: number;
      reason?: string;
      /** When failed: what failed, as data (`reason` is its wording). */
      failure?: Failure;
    }
  | {
      type: 'rollback.cleanup';
      name: string;
      status: 'started' | 'done' | 'failed' | 'interrupted' | 'not-attempted';
      attempt: number;
      reason?: string;
      failure?: Failure;
    }
  | {
      type: 'down.service';
      service: string;
      /** `not-ours`: a process another state directory or folder started, left running. */
      status: 'stopping' | 'stopped' | 'not-running' | 'not-ours' | 'failed' | 'not-attempted';
      detail?: string;
    }
  | { type: 'release.recorded'; release: string }
  | { type: 'interrupted'; count: number }
  | { type: 'resume.planned'; by: string; pid: number; summary: ResumeSummary }
  | { type: 'lock.takenOver'; from: string }
  /**
   * A one-shot command of a killed run (`deploymentId`) was still running when this one started:
   * `stopped` (SIGTERM), `killed` (SIGKILL) or it `survived` both.
   */
  | {
      type: 'orphan.stopped';
      deploymentId: string;
      step: string;
      pid: number;
      how: 'stopped' | 'killed' | 'survived';
    }
  | ({ type: 'deployment.finished' } & Outcome)
  | { type: 'run.closed'; status: string }
  | { type: 'dry-run.action'; text: string };

/** What a resume decided, per service, and why (journaled and shown). */
export interface ResumeSummary {
  /** The phase the interrupted run was in. */
  phase: string;
  /** Prepare steps journaled as done: not run again. */
  prepared: string[];
  /** Stages journaled as succeeded: not run again. */
  stagesDone: string[];
  /** Per service: where it re-enters, and why. */
  services: Array<{ service: string; entry: 'health' | 'activate'; why: string }>;
  /** It stopped while rolling back: the rollback is continued instead. */
  rollback?: { restored: string[]; remaining: string[] };
  tornTail: boolean;
}

/** A fact as journaled: with the time it was recorded. */
export type StampedFact = Fact & { ts: number };

/** The fact types, for readers that check what they get. */
export type FactType = Fact['type'];
