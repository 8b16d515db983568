/**
 * Instances of a placed service on screen: each its own row (state, batch, elapsed, last probe)
 * while there are few; above {@link COLLAPSE_ABOVE} one row for the service with counts per
 * state, the batch reached and the hosts that failed or are unknown — unless the selection is
 * one of them (the operator is looking at it).
 */
import type { ServiceView } from '../../record/view.js';
import { countByState } from './view-helpers.js';

/** More instances than this are shown as one row. */
export const COLLAPSE_ABOVE = 6;

/** A placed service's instances as one row. */
export interface FleetRow {
  service: string;
  instances: ServiceView[];
  /** The highest batch released so far, and how many there are. */
  batch?: { n: number; of: number };
  counts: Array<{ state: string; count: number }>;
  failed: string[];
  unknown: string[];
}

/** A row of the list: a service (or instance), or a collapsed fleet. */
export type ListRow = { service: ServiceView } | { fleet: FleetRow };

const isUnknown = (s: ServiceView): boolean => /\bunknown\b/.test(s.reason ?? '');
const isBad = (s: ServiceView): boolean =>
  s.state === 'failed' ||
  s.state === 'unhealthy' ||
  (s.state === 'skipped' && s.reason !== undefined);

/** The rows to show: large fleets collapsed where the selection is not inside them. */
export function listRows(services: readonly ServiceView[], selected?: string): ListRow[] {
  const groups = new Map<string, ServiceView[]>();
  for (const s of services) {
    const key = s.placement?.service;
    if (key === undefined) continue;
    const list = groups.get(key);
    if (list === undefined) groups.set(key, [s]);
    else list.push(s);
  }
  const rows: ListRow[] = [];
  const done = new Set<string>();
  for (const s of services) {
    const key = s.placement?.service;
    const group = key === undefined ? undefined : groups.get(key);
    if (
      key === undefined ||
      group === undefined ||
      group.length <= COLLAPSE_ABOVE ||
      group.some((i) => i.name === selected)
    ) {
      rows.push({ service: s });
      continue;
    }
    if (done.has(key)) continue;
    done.add(key);
    rows.push({ fleet: fleetRow(key, group) });
  }
  return rows;
}

function fleetRow(service: string, instances: ServiceView[]): FleetRow {
  let batch: FleetRow['batch'];
  for (const i of instances) {
    const p = i.placement;
    if (p?.batch !== undefined && p.of !== undefined && (batch === undefined || p.batch > batch.n))
      batch = { n: p.batch, of: p.of };
  }
  const bad = instances.filter(isBad);
  const host = (s: ServiceView): string => s.placement?.host ?? s.name;
  return {
    service,
    instances,
    ...(batch === undefined ? {} : { batch }),
    counts: countByState(instances),
    failed: bad.filter((s) => !isUnknown(s)).map(host),
    unknown: bad.filter(isUnknown).map(host),
  };
}

/** `api ×40 · batch 3/10 · 12 healthy · 25 waiting · failed: h3, h7 · unknown: h9`. */
export function fleetText(row: FleetRow): string {
  const hosts = (list: string[]): string =>
    list.length <= 5 ? list.join(', ') : `${list.slice(0, 5).join(', ')}, … (${list.length})`;
  return [
    `${row.service} ×${row.instances.length}`,
    ...(row.batch === undefined ? [] : [`batch ${row.batch.n}/${row.batch.of}`]),
    ...row.counts.map((c) => `${c.count} ${c.state}`),
    ...(row.failed.length === 0 ? [] : [`failed: ${hosts(row.failed)}`]),
    ...(row.unknown.length === 0 ? [] : [`unknown: ${hosts(row.unknown)}`]),
  ].join(' · ');
}
