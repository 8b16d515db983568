import type { AnyStateMachine } from 'xstate';
import { deploymentMachine } from '../machines/deployment.machine.js';
import { healthMachine } from '../machines/health.machine.js';
import { monitorMachine } from '../machines/monitor.machine.js';
import { rollbackMachine } from '../machines/rollback.machine.js';
import { serviceMachine } from '../machines/service.machine.js';
import { stageMachine } from '../machines/stage.machine.js';
import { verificationMachine } from '../machines/verification.machine.js';
import type { MachineName } from './index.js';

/** The machine names `--machine` accepts (besides `all`), in the order `all` exports them. */
export const machineNames: readonly MachineName[] = [
  'deployment',
  'stage',
  'service',
  'health',
  'monitor',
  'rollback',
  'verification',
];

/**
 * The project's machine definitions — the very objects that run — by name, in `machineNames`
 * order. `stagecraft graph --machine all` exports these; `--machine <name>` picks one.
 */
export function machineEntries(): Array<[MachineName, AnyStateMachine]> {
  const byName: Record<MachineName, AnyStateMachine> = {
    deployment: deploymentMachine,
    stage: stageMachine,
    service: serviceMachine,
    health: healthMachine,
    monitor: monitorMachine,
    rollback: rollbackMachine,
    verification: verificationMachine,
  };
  return machineNames.map((n) => [n, byName[n]]);
}
