/**
 * The walks over the service graph: cycles, dependency layers and the stable activation order.
 * Every walk keeps its own stack or queue (a 20,000-service chain must not need 20,000 native
 * stack frames) and costs O(services + dependencies), up to a log factor for the order.
 */
import { own } from '../core/own.js';
import { IndexHeap } from './index-heap.js';

/** What the graph walks need of a service. */
export interface GraphService {
  dependsOn: readonly string[];
}

/** One open service of a depth-first walk: its dependencies and the next one to look at. */
interface Frame {
  name: string;
  deps: readonly string[];
  next: number;
}

/**
 * Every dependency cycle once, each as `[a, b, c, a]`; unknown services are ignored. A depth-first
 * walk from each service in listed order, dependencies in listed order: a cycle is reported from
 * the first of its services that walk reaches.
 */
export function findCycles(services: Record<string, GraphService>): string[][] {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  /** Where each open service sits in `path`. */
  const at = new Map<string, number>();
  const frames: Frame[] = [];
  const cycles: string[][] = [];
  const seen = new Set<string>();
  const open = (name: string): void => {
    state.set(name, 'open');
    at.set(name, path.length);
    path.push(name);
    frames.push({ name, deps: own(services, name)?.dependsOn ?? [], next: 0 });
  };
  for (const root of Object.keys(services)) {
    if (state.has(root)) continue;
    open(root);
    for (let top = frames.at(-1); top !== undefined; top = frames.at(-1)) {
      if (top.next >= top.deps.length) {
        frames.pop();
        path.pop();
        at.delete(top.name);
        state.set(top.name, 'done');
        continue;
      }
      const dep = top.deps[top.next++]!;
      if (!Object.hasOwn(services, dep)) continue;
      const s = state.get(dep);
      if (s === undefined) open(dep);
      else if (s === 'open') {
        const cycle = [...path.slice(at.get(dep)), dep];
        const key = [...new Set(cycle)].sort().join('\0');
        if (!seen.has(key)) {
          seen.add(key);
          cycles.push(cycle);
        }
      }
    }
  }
  return cycles;
}

/** A service whose depth is being computed: its known dependencies and the deepest so far. */
interface DepthFrame extends Frame {
  deepest: number;
}

/**
 * The dependency layers: `layer-1` has the services without dependencies, `layer-N` those whose
 * deepest dependency is in `layer-(N-1)`. Without `stages:` they only group services for display.
 * (A dependency met again while its own depth is still open, in a cycle, counts as depth 0.)
 */
export function dependencyLayers(
  services: Record<string, GraphService>,
): Array<{ name: string; services: string[] }> {
  const layer = new Map<string, number>();
  const depthOf = (root: string): number => {
    const open = new Set<string>();
    const frames: DepthFrame[] = [];
    /** The depth of `name` when it is known at once; otherwise opens a frame for it. */
    const enter = (name: string): number | undefined => {
      const known = layer.get(name);
      if (known !== undefined) return known;
      if (open.has(name)) return 0;
      open.add(name);
      const deps = (own(services, name)?.dependsOn ?? []).filter((d) => Object.hasOwn(services, d));
      if (deps.length === 0) {
        layer.set(name, 0);
        return 0;
      }
      frames.push({ name, deps, next: 0, deepest: -Infinity });
      return undefined;
    };
    let result = enter(root);
    for (let top = frames.at(-1); top !== undefined; top = frames.at(-1)) {
      let value: number | undefined;
      if (top.next < top.deps.length) value = enter(top.deps[top.next++]!);
      else {
        frames.pop();
        value = 1 + top.deepest;
        layer.set(top.name, value);
      }
      if (value === undefined) continue;
      const parent = frames.at(-1);
      if (parent === undefined) result = value;
      else parent.deepest = Math.max(parent.deepest, value);
    }
    return result ?? 0;
  };
  const out: Array<{ name: string; services: string[] }> = [];
  for (const name of Object.keys(services)) {
    const l = depthOf(name);
    while (out.length <= l) out.push({ name: `layer-${out.length + 1}`, services: [] });
    out[l]!.services.push(name);
  }
  return out;
}

/** What the graph rules and the order need of a stage (or a display group). */
export interface GraphStage {
  name: string;
  services: readonly string[];
  parallel?: boolean;
}

/**
 * Topological order, stage by stage; within a stage, the listed order wherever dependencies
 * allow: each step takes the first listed service whose dependencies in the stage are done (Kahn's
 * algorithm with the ready services in a heap by position). When none is ready (a cycle, which
 * checkGraph reports), the first one left is taken, so the order is still total.
 */
export function topoOrder(
  services: Record<string, GraphService>,
  stages: readonly GraphStage[],
): string[] {
  const done = new Set<string>();
  const order: string[] = [];
  for (const stage of stages) {
    const pending = stage.services.filter((s) => !done.has(s));
    const inStage = new Set(pending);
    /** Per position: how many of its dependencies in this stage are not done yet. */
    const waitingOn = new Array<number>(pending.length).fill(0);
    /** Per service: the positions that wait on it. */
    const dependents = new Map<string, number[]>();
    pending.forEach((s, i) => {
      for (const d of new Set(own(services, s)?.dependsOn ?? [])) {
        if (!inStage.has(d) || !Object.hasOwn(services, d)) continue;
        waitingOn[i]!++;
        const list = dependents.get(d);
        if (list === undefined) dependents.set(d, [i]);
        else list.push(i);
      }
    });
    const ready = new IndexHeap();
    waitingOn.forEach((n, i) => {
      if (n === 0) ready.push(i);
    });
    const taken = new Uint8Array(pending.length);
    let firstLeft = 0;
    for (let left = pending.length; left > 0; left--) {
      let i = ready.pop();
      while (i !== undefined && taken[i] === 1) i = ready.pop();
      if (i === undefined) {
        while (taken[firstLeft] === 1) firstLeft++;
        i = firstLeft;
      }
      taken[i] = 1;
      const name = pending[i]!;
      order.push(name);
      if (done.has(name)) continue;
      done.add(name);
      for (const j of dependents.get(name) ?? []) if (--waitingOn[j]! === 0) ready.push(j);
    }
  }
  return order;
}
