/**
 * Keys of one pending question (a rollback-step decision, the `down` confirmation): a letter or
 * Enter on the highlighted choice answers with exactly ONE call per question; ↑/↓ (←/→, Tab) move
 * the highlight; `q`/Ctrl-C call `onInterrupt` (raw mode turns Ctrl-C into a key, not a signal).
 */
import { useInput, useStdin } from 'ink';
import { useEffect, useRef, useState } from 'react';

/** A question with an identity (a new id can be answered again). */
export interface Question<T extends string> {
  id: string;
  choices: readonly T[];
  defaultChoice: T;
}

/** Options of useDecisionKeys. */
export interface DecisionKeyOptions<T extends string> {
  /** The letter of a choice. */
  keyOf: (choice: T) => string;
  /** Called once per question with the operator's choice. */
  onChoice: (choice: T) => void;
  /** `q` or Ctrl-C. */
  onInterrupt?: () => void;
  /** Other keys, before the question's (and when there is none). */
  onOtherKey?: (input: string) => void;
}

/** What the keys changed, for rendering. */
export interface DecisionKeyState {
  highlighted: number;
  interrupts: number;
}

const defaultIndex = <T extends string>(q: Question<T> | undefined): number =>
  q === undefined ? 0 : Math.max(0, q.choices.indexOf(q.defaultChoice));

/** Wires stdin keys to a question; the caller turns the answer into one event. */
export function useDecisionKeys<T extends string>(
  question: Question<T> | undefined,
  opts: DecisionKeyOptions<T>,
): DecisionKeyState {
  const { isRawModeSupported } = useStdin();
  const [highlighted, setHighlighted] = useState(() => defaultIndex(question));
  const [interrupts, setInterrupts] = useState(0);
  // Refs: two keys of one stdin chunk arrive before React re-renders.
  const highlight = useRef({ id: question?.id, index: defaultIndex(question) });
  const answered = useRef<string | undefined>(undefined);
  const latest = useRef({ question, opts });
  latest.current = { question, opts };
  const id = question?.id;

  useEffect(() => {
    const index = defaultIndex(latest.current.question);
    highlight.current = { id, index };
    setHighlighted(index);
  }, [id]);

  useInput(
    (input, key) => {
      const { question: q, opts: o } = latest.current;
      if ((key.ctrl && input === 'c') || (!key.ctrl && !key.meta && input === 'q')) {
        setInterrupts((n) => n + 1);
        o.onInterrupt?.();
        return;
      }
      if (q === undefined || answered.current === q.id) {
        o.onOtherKey?.(input);
        return;
      }
      const answer = (choice: T | undefined): void => {
        if (choice === undefined) return;
        answered.current = q.id;
        o.onChoice(choice);
      };
      const byKey = q.choices.find((c) => o.keyOf(c) === input);
      if (byKey !== undefined) return answer(byKey);
      const n = q.choices.length;
      const at = highlight.current.id === q.id ? highlight.current.index : defaultIndex(q);
      const move = (index: number): void => {
        highlight.current = { id: q.id, index };
        setHighlighted(index);
      };
      if (key.return) return answer(q.choices[at]);
      if (key.upArrow || key.leftArrow) return move((at + n - 1) % n);
      if (key.downArrow || key.rightArrow || key.tab) return move((at + 1) % n);
      o.onOtherKey?.(input);
    },
    { isActive: isRawModeSupported },
  );

  // A new question shows its default at once (the effect above catches up on the next render).
  const shown =
    question !== undefined && highlight.current.id !== question.id
      ? defaultIndex(question)
      : highlighted;
  return { highlighted: shown, interrupts };
}
