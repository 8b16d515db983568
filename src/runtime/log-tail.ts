/**
 * The last lines of a service's output for the UI: a process service's log in the state dir,
 * or the log of its last activation command.
 */
import type { ResolvedPlan } from '../config/plan-types.js';
import { fileTail } from '../adapters/process-exits.js';
import { statePaths } from '../state/layout.js';
import { redactUrl } from '../state/pg/keys.js';
import { stateUrlOf } from './store.js';

/** Up to `lines` last lines of the service's output. */
function tailOfLog(
  stateDir: string,
  environment: string,
  logDir: string,
  service: string,
  lines = 10,
): string[] {
  return (
    fileTail(statePaths.serviceLog(stateDir, environment, service), lines) ??
    fileTail(statePaths.commandLog(logDir, `${service}.activate`), lines) ??
    []
  );
}

/** The output tail reader of one run's services (for the UI and the reporters). */
export function logTailFor(
  stateDir: string,
  environment: string,
  deploymentId: string,
  lines = 10,
): (service: string) => string[] {
  const logDir = statePaths.commandLogs(stateDir, deploymentId);
  return (service) => tailOfLog(stateDir, environment, logDir, service, lines);
}

/** Where a run's command logs and journal are (for the final screen). */
export function runPaths(
  stateDir: string,
  deploymentId: string,
  where: { plan: Partial<Pick<ResolvedPlan, 'stateUrl'>>; env: NodeJS.ProcessEnv },
): { logDir: string; journalPath: string } {
  const url = stateUrlOf(where.plan, where.env);
  return {
    logDir: statePaths.commandLogs(stateDir, deploymentId),
    // With the team database, the journal is the deployment's rows there.
    journalPath:
      url === undefined
        ? statePaths.journal(stateDir, deploymentId)
        : `deployment ${deploymentId} in the state database ${redactUrl(url)}`,
  };
}
