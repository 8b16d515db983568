import type { AnyStateMachine } from 'xstate';
import { deploymentMachine } from '../machines/deployment/index.js';
import { downMachine } from '../machines/down/index.js';
import { healthMachine } from '../machines/health/index.js';
import { monitorMachine } from '../machines/monitor/index.js';
import { rollbackMachine } from '../machines/rollback/index.js';
import { rolloutMachine } from '../machines/rollout/index.js';
import { serviceMachine } from '../machines/service/index.js';
import { stageMachine } from '../machines/stage/index.js';
import { verificationMachine } from '../machines/verification/index.js';
import { watchMachine } from '../machines/watch/index.js';
import type { MachineName } from './index.js';

/** The machine names `--machine` accepts (besides `all`), in the order `all` exports them. */
export const machineNames: readonly MachineName[] = [
  'deployment',
  'stage',
  'rollout',
  'service',
  'health',
  'monitor',
  'rollback',
  'verification',
  'watch',
  'down',
];

/**
 * The project's machine definitions — the very objects that run — by name, in `machineNames`
 * order. `stagecraft graph --machine all` exports these; `--machine <name>` picks one.
 */
export function machineEntries(): Array<[MachineName, AnyStateMachine]> {
  const byName: Record<MachineName, AnyStateMachine> = {
    deployment: deploymentMachine,
    stage: stageMachine,
    rollout: rolloutMachine,
    service: serviceMachine,
    health: healthMachine,
    monitor: monitorMachine,
    rollback: rollbackMachine,
    verification: verificationMachine,
    watch: watchMachine,
    down: downMachine,
  };
  return machineNames.map((n) => [n, byName[n]]);
}
