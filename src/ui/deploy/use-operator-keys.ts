/**
 * The operator's keys: ↑/↓ select a service (in a prompt: highlight a choice), Enter or a letter
 * answers with exactly ONE decision event, `l` log tail, `?` help, `q`/Ctrl-C interrupt.
 */
import { useInput, useStdin } from 'ink';
import { useEffect, useRef, useState } from 'react';
import { choiceKeys, choiceToEvent } from '../../record/decisions.js';
import type { Choice, DeploymentView, PendingDecision, ServiceView } from '../../record/view.js';
import type { ViewSource } from './ui-types.js';

/** What the keys changed, for rendering. */
export interface KeyState {
  selected: string | undefined;
  highlighted: number;
  showLog: boolean;
  showHelp: boolean;
  interrupts: number;
}

const defaultIndex = (d: PendingDecision | undefined): number =>
  d === undefined ? 0 : Math.max(0, d.choices.indexOf(d.defaultChoice));

/** Wires stdin keys to the actor; the actor decides everything, this only sends events. */
export function useOperatorKeys(
  actor: ViewSource,
  view: DeploymentView,
  rows: ServiceView[],
  by: string,
): KeyState {
  const { isRawModeSupported } = useStdin();
  const decision = view.pendingDecision;
  const [selected, setSelected] = useState<string | undefined>(undefined);
  const [highlighted, setHighlighted] = useState(() => defaultIndex(decision));
  const [showLog, setShowLog] = useState(false);
  const [showHelp, setShowHelp] = useState(false);
  const [interrupts, setInterrupts] = useState(0);
  // Refs, not state, guard against double answers and stale closures between two keys of one chunk.
  const highlightRef = useRef({ id: decision?.id, index: highlighted });
  const answered = useRef<string | undefined>(undefined);
  const selectedRef = useRef<string | undefined>(undefined);
  const decisionId = decision?.id;

  useEffect(() => {
    const index = defaultIndex(decision);
    highlightRef.current = { id: decision?.id, index };
    setHighlighted(index);
    if (decision !== undefined && rows.some((r) => r.name === decision.subject)) {
      selectedRef.current = decision.subject;
      setSelected(decision.subject);
    }
    // Only a new decision resets the highlight, not every view update.
  }, [decisionId]);

  const effectiveSelected =
    selected !== undefined && rows.some((r) => r.name === selected) ? selected : rows[0]?.name;
  const done = view.result !== undefined && view.phase === 'done';
  // The input handler reads the latest render's data: keys can arrive before Ink re-binds it.
  const latest = useRef({ decision, done, rows, effectiveSelected });
  latest.current = { decision, done, rows, effectiveSelected };

  const highlight = (d: PendingDecision, index: number): void => {
    highlightRef.current = { id: d.id, index };
    setHighlighted(index);
  };
  /** The highlighted index for `d` (its default until the operator moves). */
  const highlightedOf = (d: PendingDecision): number =>
    highlightRef.current.id === d.id ? highlightRef.current.index : defaultIndex(d);
  const answer = (d: PendingDecision, choice: Choice | undefined): void => {
    if (choice === undefined || answered.current === d.id) return;
    answered.current = d.id;
    actor.send(choiceToEvent(choice, by));
  };
  const moveSelection = (delta: number): void => {
    const { rows, effectiveSelected } = latest.current;
    if (rows.length === 0) return;
    const current = selectedRef.current ?? effectiveSelected;
    const at = Math.max(
      0,
      rows.findIndex((r) => r.name === current),
    );
    const next = rows[Math.min(rows.length - 1, Math.max(0, at + delta))];
    if (next === undefined) return;
    selectedRef.current = next.name;
    setSelected(next.name);
  };

  useInput(
    (input, key) => {
      if ((key.ctrl && input === 'c') || (!key.ctrl && !key.meta && input === 'q')) {
        actor.send({ type: 'run.interrupt' });
        setInterrupts((n) => n + 1);
        return;
      }
      if (latest.current.done) return;
      if (input === '?') return setShowHelp((v) => !v);
      if (input === 'l') return setShowLog((v) => !v);
      const d = latest.current.decision;
      if (d !== undefined && answered.current !== d.id) {
        const n = d.choices.length;
        const byKey = d.choices.find((c) => choiceKeys[c] === input);
        if (byKey !== undefined) return answer(d, byKey);
        const at = highlightedOf(d);
        if (key.return) return answer(d, d.choices[at]);
        if (key.upArrow || key.leftArrow) return highlight(d, (at + n - 1) % n);
        if (key.downArrow || key.rightArrow || key.tab) return highlight(d, (at + 1) % n);
        return;
      }
      if (key.upArrow) moveSelection(-1);
      if (key.downArrow) moveSelection(1);
    },
    { isActive: isRawModeSupported },
  );

  return { selected: effectiveSelected, highlighted, showLog, showHelp, interrupts };
}
