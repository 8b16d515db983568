/**
 * The only way the Ink UI, the line reporter and the JSON reporter read a deployment: plain view
 * data from one snapshot, plus the choice ↔ event mapping for prompts.
 */
import type { SnapshotFrom } from 'xstate';
import type { deploymentMachine } from './deployment.machine.js';
import type { DeploymentView, Phase, ServiceView } from './view-types.js';

export { choiceKeys, choiceToEvent } from './decisions.js';
export type {
  Choice,
  DecisionRecord,
  DeploymentOutput,
  DeploymentView,
  PendingDecision,
  Phase,
  ServiceView,
  StageView,
} from './view-types.js';

/** A deployment actor's snapshot. */
export type DeploymentSnapshot = SnapshotFrom<typeof deploymentMachine>;

const phaseByState: Record<string, Phase> = {
  validating: 'validating',
  preparing: 'preparing',
  activating: 'activating',
  verifying: 'verifying',
  failing: 'activating',
  deciding: 'awaiting-decision',
  finalizing: 'finalizing',
  rollingBack: 'rolling-back',
  done: 'done',
};

/** The phase shown for a snapshot: a pending prompt wins over the running phase. */
export function selectPhase(snapshot: DeploymentSnapshot): Phase {
  if (snapshot.status === 'done') return 'done';
  if (snapshot.context.pendingDecision !== undefined) return 'awaiting-decision';
  const top = typeof snapshot.value === 'string' ? snapshot.value : Object.keys(snapshot.value)[0];
  return phaseByState[top ?? ''] ?? 'activating';
}

/** Everything a UI needs from one snapshot, as plain data. */
export function selectView(snapshot: DeploymentSnapshot): DeploymentView {
  const c = snapshot.context;
  const services: ServiceView[] = c.plan.activationOrder
    .map((n) => c.services[n])
    .filter((s): s is ServiceView => s !== undefined);
  return {
    deploymentId: c.deploymentId,
    project: c.plan.project,
    environment: c.plan.environment,
    phase: selectPhase(snapshot),
    startedAt: c.startedAt,
    stages: c.stages,
    services,
    ...(c.pendingDecision === undefined ? {} : { pendingDecision: c.pendingDecision }),
    warnings: c.warnings,
    ...(c.result === undefined ? {} : { result: c.result }),
  };
}
