/**
 * Journals every transition of every actor of a deployment (PRODUCT.md §4.7) through XState's
 * inspection API: each event an actor receives, and each change of an actor's state value.
 * The journal masks secret values and fsyncs; appends are queued in order.
 */
import type { InspectionEvent } from 'xstate';
import type { Journal } from '../../state/journal.js';

/** Actor path for a journal row: invoke ids repeat across children, so the session id is kept too. */
function actorName(ev: InspectionEvent): { actor: string; session: string } {
  const ref: { id?: string; sessionId: string } = ev.actorRef;
  return { actor: ref.id ?? ref.sessionId, session: ref.sessionId };
}

/** Drops the bulky plan from init events: the plan is identified by the config hash in meta.json. */
function eventForJournal(event: { type: string }): Record<string, unknown> {
  if (event.type === 'xstate.init') return { type: event.type };
  return { ...event };
}

/** An `inspect` callback that appends to `journal`. */
export function journalInspector(journal: Journal): (ev: InspectionEvent) => void {
  const lastValue = new Map<string, string>();
  return (ev) => {
    if (ev.type === '@xstate.event') {
      const { actor, session } = actorName(ev);
      void journal
        .append({ type: 'event', actor, session, event: eventForJournal(ev.event) })
        .catch(() => undefined);
      return;
    }
    if (ev.type === '@xstate.snapshot') {
      const snap = ev.snapshot as { value?: unknown; status?: string };
      if (snap.value === undefined) return;
      const { actor, session } = actorName(ev);
      const value = JSON.stringify(snap.value);
      if (lastValue.get(session) === value) return;
      lastValue.set(session, value);
      void journal
        .append({ type: 'transition', actor, session, value: snap.value, status: snap.status })
        .catch(() => undefined);
    }
  };
}
