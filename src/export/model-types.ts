/**
 * The plain, deterministic model of a statechart that every exporter renders: states in document
 * order, transitions in definition order. Built by walking the live XState StateNode tree
 * (see model.ts), never from a hand-written copy.
 */

/** The kind of a state node, as XState names it. */
export type StateKind = 'atomic' | 'compound' | 'parallel' | 'final' | 'history';

/** An actor invoked while a state is active. */
interface ModelInvoke {
  /** The invoke's id (the `xstate.done.actor.<id>` events name it). */
  id: string;
  /** The actor's source name from `setup({ actors })`, or `inline` for inline logic. */
  src: string;
}

/** One state node. */
export interface ModelState {
  /** The XState node id, e.g. `deployment.activating.stage`. Unique in the machine. */
  id: string;
  /** The node's key in its parent (the root's key is the machine id). */
  key: string;
  /** Keys from the root (the root's path is empty). */
  path: string[];
  /** Parent id; undefined for the root. */
  parent?: string;
  type: StateKind;
  /** Id of the initial child (compound states only). */
  initial?: string;
  /** History kind (history states only). */
  history?: 'shallow' | 'deep';
  /** Ids the history state falls back to when there is no history yet. */
  historyDefault: string[];
  /** Child ids in document order. */
  children: string[];
  invoke: ModelInvoke[];
  /** Names of entry and exit actions. */
  entry: string[];
  exit: string[];
  description?: string;
  tags: string[];
}

/** What made a transition fire. */
export type TransitionKind =
  'event' | 'always' | 'after' | 'done-actor' | 'error-actor' | 'done-state';

/** One transition (one entry of a node's candidate list). */
export interface ModelTransition {
  /** Id of the state the transition belongs to. */
  source: string;
  /** The XState event type (`''` for `always`, `xstate.after.<delay>.<id>` for delays). */
  eventType: string;
  kind: TransitionKind;
  /** Target ids; empty for a targetless (actions-only) transition. */
  targets: string[];
  /** Readable guard, e.g. `isOnline`, `not isOnline`, `a and b`. */
  guard?: string;
  /** For `after`: the delay as written (ms or a named delay) and its value in ms when known. */
  delay?: { raw: string | number; ms?: number };
  /** For done/error of an invoked actor: the invoke id. */
  invokeId?: string;
  reenter: boolean;
  /** Names of the transition's actions. */
  actions: string[];
  /** The human label: `event [guard]`, `after 5s`, `always`, `onDone(<id>)`, `onError(<id>)`, `onDone`. */
  label: string;
}

/** A whole machine. */
export interface MachineModel {
  /** The machine id (= the root state's id). */
  id: string;
  /** All states, root first, in document order (depth first). */
  states: ModelState[];
  transitions: ModelTransition[];
}
