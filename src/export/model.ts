import type { AnyStateMachine, AnyStateNode } from 'xstate';
import { actionName, delayLabel, guardName } from './labels.js';
import { own } from '../core/own.js';
import type {
  MachineModel,
  ModelState,
  ModelTransition,
  StateKind,
  TransitionKind,
} from './model-types.js';

/** The parts of XState's TransitionDefinition the walk reads (kept loose: they are internals). */
interface TransitionLike {
  eventType: string;
  target?: ReadonlyArray<{ id: string }>;
  guard?: unknown;
  reenter?: boolean;
  actions?: readonly unknown[];
  delay?: string | number;
}

/**
 * Walks a machine's live StateNode tree (states, transitions, `always`, `after`, invokes,
 * history, initial) into a plain model. Deterministic: document order throughout.
 */
export function machineModel(machine: AnyStateMachine): MachineModel {
  const states: ModelState[] = [];
  const transitions: ModelTransition[] = [];
  const delays = (machine.implementations.delays ?? {}) as Record<string, unknown>;
  const visit = (node: AnyStateNode): void => {
    states.push(stateOf(machine, node));
    const delayOf = new Map<string, string | number>();
    for (const d of node.after as TransitionLike[]) delayOf.set(d.eventType, d.delay ?? '');
    for (const [eventType, list] of node.transitions) {
      for (const t of list as TransitionLike[]) {
        transitions.push(transitionOf(node.id, eventType, t, delayOf.get(eventType), delays));
      }
    }
    for (const t of (node.always ?? []) as TransitionLike[]) {
      transitions.push(transitionOf(node.id, '', t, undefined, delays));
    }
    for (const child of Object.values(node.states) as AnyStateNode[]) visit(child);
  };
  visit(machine.root);
  return { id: machine.root.id, states, transitions };
}

function stateOf(machine: AnyStateMachine, node: AnyStateNode): ModelState {
  const type: StateKind = node.type;
  const state: ModelState = {
    id: node.id,
    key: node.parent ? node.key : node.id,
    path: [...node.path],
    type,
    historyDefault: [],
    children: (Object.values(node.states) as AnyStateNode[]).map((c) => c.id),
    invoke: node.invoke.map((inv) => ({
      id: inv.id,
      src: typeof inv.src === 'string' ? inv.src : 'inline',
    })),
    entry: node.entry.map(actionName),
    exit: node.exit.map(actionName),
    tags: [...node.tags].sort(),
  };
  if (node.parent) state.parent = node.parent.id;
  if (node.description) state.description = node.description;
  if (type === 'compound') {
    const first = node.initial.target[0];
    if (first) state.initial = first.id;
  }
  if (type === 'history') {
    state.history = node.history === 'deep' ? 'deep' : 'shallow';
    state.historyDefault = historyDefault(machine, node);
  }
  return state;
}

/** The states a history node enters when there is no history yet: its `target`, else the parent's initial. */
function historyDefault(machine: AnyStateMachine, node: AnyStateNode): string[] {
  const parent = node.parent;
  const target = (node.config as { target?: unknown }).target;
  const targets =
    target === undefined ? [] : Array.isArray(target) ? (target as unknown[]) : [target];
  if (targets.length === 0 || !parent) return parent?.initial.target.map((t) => t.id) ?? [];
  return targets.map((t) => {
    const ref = String(t);
    if (ref.startsWith('#')) return machine.getStateNodeById(ref.slice(1)).id;
    let cur: AnyStateNode = parent;
    for (const key of ref.split('.')) {
      const next = own(cur.states as Record<string, AnyStateNode>, key);
      if (!next) return `${parent.id}.${ref}`;
      cur = next;
    }
    return cur.id;
  });
}

function kindOf(eventType: string, delay: unknown): TransitionKind {
  if (eventType === '') return 'always';
  if (delay !== undefined) return 'after';
  if (eventType.startsWith('xstate.done.actor.')) return 'done-actor';
  if (eventType.startsWith('xstate.error.actor.')) return 'error-actor';
  if (eventType.startsWith('xstate.done.state.')) return 'done-state';
  return 'event';
}

function transitionOf(
  source: string,
  eventType: string,
  t: TransitionLike,
  delay: string | number | undefined,
  delays: Record<string, unknown>,
): ModelTransition {
  const kind = kindOf(eventType, delay);
  const out: ModelTransition = {
    source,
    eventType,
    kind,
    targets: (t.target ?? []).map((n) => n.id),
    reenter: t.reenter === true,
    actions: (t.actions ?? []).map(actionName),
    label: '',
  };
  if (t.guard !== undefined) out.guard = guardName(t.guard);
  if (kind === 'after' && delay !== undefined) {
    const named = typeof delay === 'string' ? delays[delay] : undefined;
    out.delay = typeof named === 'number' ? { raw: delay, ms: named } : { raw: delay };
  }
  if (kind === 'done-actor') out.invokeId = eventType.slice('xstate.done.actor.'.length);
  if (kind === 'error-actor') out.invokeId = eventType.slice('xstate.error.actor.'.length);
  out.label = transitionLabel(out);
  return out;
}

/** `event [guard]`, `after 5s`, `always`, `onDone(<invoke>)`, `onError(<invoke>)`, `onDone` (state). */
function transitionLabel(t: Omit<ModelTransition, 'label'>): string {
  const base =
    t.kind === 'always'
      ? 'always'
      : t.kind === 'after' && t.delay
        ? `after ${delayLabel(t.delay)}`
        : t.kind === 'done-actor'
          ? `onDone(${t.invokeId ?? ''})`
          : t.kind === 'error-actor'
            ? `onError(${t.invokeId ?? ''})`
            : t.kind === 'done-state'
              ? 'onDone'
              : t.eventType;
  return t.guard === undefined ? base : `${base} [${t.guard}]`;
}
