import type { MachineModel, ModelState, ModelTransition } from './model-types.js';
import { stateTree } from './tree.js';

/** A transition in XState/Stately config form. */
interface JsonTransition {
  target?: string[];
  guard?: string;
  actions?: string[];
  reenter?: true;
}

/** A state node in XState/Stately config form (what `createMachine` and Stately's tools read). */
export interface JsonStateConfig {
  id?: string;
  type?: 'parallel' | 'final' | 'history';
  initial?: string;
  history?: 'shallow' | 'deep';
  target?: string[];
  description?: string;
  tags?: string[];
  entry?: string[];
  exit?: string[];
  invoke?: Array<{
    id: string;
    src: string;
    onDone?: JsonTransition[];
    onError?: JsonTransition[];
  }>;
  on?: Record<string, JsonTransition[]>;
  after?: Record<string, JsonTransition[]>;
  always?: JsonTransition[];
  onDone?: JsonTransition[];
  states?: Record<string, JsonStateConfig>;
}

/**
 * Turns the model back into a machine config: targets are absolute (`#<state id>`), guards and
 * actions are names, delays keep their key (ms or named delay). `createMachine` accepts it, and
 * the result has the same states and transitions as the original machine.
 */
export function machineToJsonConfig(model: MachineModel): JsonStateConfig {
  const tree = stateTree(model);
  const bySource = new Map<string, ModelTransition[]>();
  for (const t of model.transitions) {
    const list = bySource.get(t.source);
    if (list === undefined) bySource.set(t.source, [t]);
    else list.push(t);
  }
  const build = (s: ModelState): JsonStateConfig => {
    const out: JsonStateConfig = {};
    if (!s.parent) out.id = s.id;
    if (s.type === 'parallel' || s.type === 'final' || s.type === 'history') out.type = s.type;
    if (s.initial) out.initial = tree.get(s.initial).key;
    if (s.type === 'history') {
      out.history = s.history ?? 'shallow';
      if (s.historyDefault.length > 0) out.target = s.historyDefault.map((id) => `#${id}`);
    }
    if (s.description) out.description = s.description;
    if (s.tags.length > 0) out.tags = s.tags;
    if (s.entry.length > 0) out.entry = s.entry;
    if (s.exit.length > 0) out.exit = s.exit;
    const invokeIds = new Set(s.invoke.map((i) => i.id));
    if (s.invoke.length > 0) out.invoke = s.invoke.map((i) => ({ id: i.id, src: i.src }));
    for (const t of bySource.get(s.id) ?? []) {
      const jt = jsonTransition(t);
      const inv = out.invoke?.find((i) => i.id === t.invokeId);
      if (t.kind === 'always') out.always = [...(out.always ?? []), jt];
      else if (t.kind === 'after' && t.delay)
        (out.after ??= {})[String(t.delay.raw)] = [...(out.after?.[String(t.delay.raw)] ?? []), jt];
      else if (t.kind === 'done-state' && t.eventType === `xstate.done.state.${s.id}`)
        out.onDone = [...(out.onDone ?? []), jt];
      else if (
        inv &&
        t.invokeId !== undefined &&
        invokeIds.has(t.invokeId) &&
        t.kind === 'done-actor'
      )
        inv.onDone = [...(inv.onDone ?? []), jt];
      else if (
        inv &&
        t.invokeId !== undefined &&
        invokeIds.has(t.invokeId) &&
        t.kind === 'error-actor'
      )
        inv.onError = [...(inv.onError ?? []), jt];
      else (out.on ??= {})[t.eventType] = [...(out.on?.[t.eventType] ?? []), jt];
    }
    if (s.children.length > 0) {
      out.states = {};
      for (const c of s.children) out.states[tree.get(c).key] = build(tree.get(c));
    }
    return out;
  };
  return build(tree.get(model.id));
}

function jsonTransition(t: ModelTransition): JsonTransition {
  const out: JsonTransition = {};
  if (t.targets.length > 0) out.target = t.targets.map((id) => `#${id}`);
  if (t.guard !== undefined) out.guard = t.guard;
  if (t.actions.length > 0) out.actions = t.actions;
  if (t.reenter) out.reenter = true;
  return out;
}

/** The config as stable, pretty JSON text. */
export function machineToJson(model: MachineModel): string {
  return `${JSON.stringify(machineToJsonConfig(model), null, 2)}\n`;
}
