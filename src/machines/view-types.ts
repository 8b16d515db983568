/**
 * The view model: plain data the Ink UI, the line reporter and the JSON reporter read (through
 * selectors.ts). The deployment machine keeps these in its context.
 */
import type { ServiceState, Verdict } from './events.js';

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
  | 'mark-resolved';

/** What a pending decision is about. */
export type DecisionKind =
  'confirm-stage' | 'failure' | 'degraded' | 'readiness-warnings' | 'rollback-step' | 'interrupted';

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

/** The latest health attempt of a service. */
export interface ProbeView {
  probe: string;
  attempt: number;
  of: number;
  ok: boolean;
  detail: string;
  durationMs: number;
}

/** One service row. */
export interface ServiceView {
  name: string;
  stage: string;
  kind: 'activate' | 'process';
  state: ServiceState;
  attempt: number;
  maxAttempts: number;
  startedAt?: number;
  finishedAt?: number;
  lastProbe?: ProbeView;
  verdict?: Verdict;
  reason?: string;
}

/** One stage row. */
export interface StageView {
  name: string;
  status: 'pending' | 'confirming' | 'running' | 'verifying' | 'succeeded' | 'failed' | 'skipped';
  startedAt?: number;
  finishedAt?: number;
  services: string[];
}

/** Final result of a deployment (the deployment machine's output). */
export interface DeploymentOutput {
  result: 'succeeded' | 'succeeded-with-warnings' | 'failed' | 'rollback-incomplete' | 'aborted';
  exitCode: 0 | 1 | 3 | 130;
  reason?: string;
  restored?: string[];
  notRestored?: Array<{ name: string; reason: string }>;
}

/** The phase shown to the operator. */
export type Phase =
  | 'validating'
  | 'preparing'
  | 'activating'
  | 'verifying'
  | 'finalizing'
  | 'rolling-back'
  | 'awaiting-decision'
  | 'done';

/** Everything a UI needs, from one snapshot. */
export interface DeploymentView {
  deploymentId: string;
  project: string;
  environment: string;
  phase: Phase;
  startedAt: number;
  stages: StageView[];
  /** In activation order. */
  services: ServiceView[];
  pendingDecision?: PendingDecision;
  warnings: string[];
  result?: DeploymentOutput;
}
