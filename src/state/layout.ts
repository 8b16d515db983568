/**
 * The layout of a state directory (default `.stagecraft/` beside the config): every path in one
 * place.
 *
 * ```
 * <state-dir>/format.json                          { "format": 1 }
 * <state-dir>/locks/<environment>.json             the environment lock (locks.ts)
 * <state-dir>/deployments/<id>/meta.json           one run's record (meta.ts)
 * <state-dir>/deployments/<id>/journal.jsonl       its deployment facts, one per line (journal.ts)
 * <state-dir>/deployments/<id>/trace.jsonl         XState's inspection trace, only on request
 * <state-dir>/deployments/<id>/logs/<label>.log    output of its one-shot commands
 * <state-dir>/releases/<environment>.json          the environment's releases (releases.ts)
 * <state-dir>/processes/<environment>.json         the process services it runs (registry.ts)
 * <state-dir>/logs/<environment>/<service>.log     a process service's output
 * ```
 */
import { join } from 'node:path';

/** A name safe as one file name: kept when plain, percent-encoded otherwise. */
function fileName(name: string): string {
  return /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(name)
    ? name
    : encodeURIComponent(name).replace(/\./g, '%2E');
}

/** Paths inside a state directory. */
export const statePaths = {
  format: (stateDir: string) => join(stateDir, 'format.json'),
  locks: (stateDir: string) => join(stateDir, 'locks'),
  lock: (stateDir: string, environment: string) =>
    join(stateDir, 'locks', `${fileName(environment)}.json`),
  deployments: (stateDir: string) => join(stateDir, 'deployments'),
  deployment: (stateDir: string, id: string) => join(stateDir, 'deployments', fileName(id)),
  meta: (stateDir: string, id: string) => join(statePaths.deployment(stateDir, id), 'meta.json'),
  journal: (stateDir: string, id: string) =>
    join(statePaths.deployment(stateDir, id), 'journal.jsonl'),
  trace: (stateDir: string, id: string) => join(statePaths.deployment(stateDir, id), 'trace.jsonl'),
  commandLogs: (stateDir: string, id: string) => join(statePaths.deployment(stateDir, id), 'logs'),
  releases: (stateDir: string) => join(stateDir, 'releases'),
  release: (stateDir: string, environment: string) =>
    join(stateDir, 'releases', `${fileName(environment)}.json`),
  registry: (stateDir: string, environment: string) =>
    join(stateDir, 'processes', `${fileName(environment)}.json`),
  serviceLogs: (stateDir: string, environment: string) =>
    join(stateDir, 'logs', fileName(environment)),
  serviceLog: (stateDir: string, environment: string, service: string) =>
    join(stateDir, 'logs', fileName(environment), `${fileName(service)}.log`),
  /** The log of one one-shot command, by its label (`api.activate`, `prepare.dir.cleanup`). */
  commandLog: (logDir: string, label: string) =>
    join(logDir, `${label.replace(/[^A-Za-z0-9._-]+/g, '_')}.log`),
};
