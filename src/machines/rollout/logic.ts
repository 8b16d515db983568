/**
 * Pure helpers of the rollout statechart: which instances make up a batch, which count against
 * the failure budget, how a failure names its hosts.
 */
import type { RolloutSpec } from '../../config/plan-types.js';
import type { ServiceState } from '../../record/facts.js';

/** What the rollout knows of one instance. */
export interface InstanceView {
  state: ServiceState | 'pending';
  reason?: string;
  /** Its SSH connection was lost mid-command: its outcome is unknown, not failed. */
  lost?: boolean;
}

/** The instances of batch `index` (empty past the last batch). */
export function batchInstances(spec: RolloutSpec, index: number): string[] {
  let from = 0;
  for (let i = 0; i < index; i++) from += spec.batches[i] ?? 0;
  const size = spec.batches[index] ?? 0;
  return spec.instances.slice(from, from + size);
}

/** An instance state that counts against the budget. */
export function isBad(state: InstanceView['state']): boolean {
  return state === 'failed' || state === 'unhealthy';
}

/** An instance state after which its batch no longer waits for it. */
export function isUp(state: InstanceView['state']): boolean {
  return state === 'healthy' || state === 'degraded';
}

/** Whether a failed instance's outcome is unknown (its connection was lost). */
function isUnknown(view: InstanceView): boolean {
  return isBad(view.state) && view.lost === true;
}

/** `web-1 (failed: …)`, `web-2 (unknown: …)`: the bad instances, naming their hosts. */
export function describeBad(
  spec: RolloutSpec,
  views: Readonly<Record<string, InstanceView>>,
  names: readonly string[],
): string {
  return names
    .map((name) => {
      const view = views[name];
      const host = spec.hosts[spec.instances.indexOf(name)] ?? name;
      const unknown = view !== undefined && isUnknown(view);
      // `api@web-1.activate is unknown: connection … lost` says "unknown" once, as `unknown: …`.
      const reason = unknown ? view.reason?.replace(/^.*?\bis unknown: /, '') : view?.reason;
      return `${host} (${unknown ? 'unknown' : 'failed'}${reason === undefined ? '' : `: ${reason}`})`;
    })
    .join(', ');
}
