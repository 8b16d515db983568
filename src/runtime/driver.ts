/**
 * The one actor driver: it runs a root statechart (a deployment, a rollback, a `down`) to its
 * end, and owns what every run needs around it —
 * - the record: every fact the statecharts record is stamped, masked, appended to the journal and
 *   fsync'd, and only then folded into the run's record and shown (the view source the terminal
 *   UI and the reporters read);
 * - signals: the first SIGINT/SIGTERM and the second are `run.interrupt` events for the
 *   statechart to handle; a third kills every process group of this run and leaves at once;
 *   SIGHUP (the terminal went away) interrupts nothing: the presenter stops drawing, and the
 *   prompt waiting then, and every later one, takes its default at once (`by: hangup`), as its
 *   countdown would have — nobody is left to answer it;
 * - its listeners, isolated: one that throws is reported once on stderr and detached;
 * - the session: closed with the outcome on every path, synchronously on a hard exit;
 * - the lock: when the session loses it (the team database's connection went away), nothing that
 *   changes the world starts any more (the session's gate); once what runs has finished, the run
 *   stops there, `interrupted` for whoever resumes it;
 * - decisions answered elsewhere: with the team database, an answer given by `stagecraft decide`
 *   is sent as the same event as a key press, by whoever gave it.
 */
import { createActor, type AnyStateMachine, type InputFrom, type OutputFrom } from 'xstate';
import { stopCommandRunner } from '../adapters/exec.js';
import { closeSshPool } from './effects/remote.js';
import { killTrackedGroups } from '../adapters/proc.js';
import { errorMessage, StagecraftError } from '../core/errors.js';
import type { Masker } from '../core/mask.js';
import type { OperatorEvent } from '../machines/events.js';
import { choiceToEvent } from '../record/decisions.js';
import type { Choice, Fact, Outcome, StampedFact } from '../record/facts.js';
import { applyFact, emptyRecord, type RunRecord } from '../record/fold.js';
import { Journal, type JournalInput } from '../state/journal.js';
import type { ViewSource } from '../record/source.js';
import { statePaths } from '../state/layout.js';
import type { Recorder } from './compose.js';
import { whenHungUp } from './hangup.js';
import { RunListeners } from './listeners.js';

export type { ViewSource };
import type { Session } from './session.js';

/** A presentation of a run (the terminal UI, the line or JSON reporter). */
export interface Presenter {
  /** Resolves once it has shown the end of the run. */
  finish(): Promise<void>;
  /** The terminal is gone (SIGHUP): stop drawing and reading keys; `finish` still follows. */
  detach?(): void;
  /** Where a failure of this presentation is said (src/cli: stderr); default the process's. */
  warn?(text: string): void;
}

/** Makes the presentation of a run, once its source exists. */
export type Present = (
  source: ViewSource,
  run: { deploymentId: string },
) => Presenter | Promise<Presenter>;

/** How to drive one root statechart. */
export interface DriveOptions<TLogic extends AnyStateMachine> {
  /** The composed root, given the recorder its statecharts record into. */
  compose: (record: Recorder) => TLogic;
  input: InputFrom<TLogic>;
  /** The facts that open the record: `run.started` first, then e.g. `resume.planned`. */
  opening: Fact[];
  /** `resume`: the facts journaled before, folded into the record first (not journaled again). */
  history?: readonly StampedFact[];
  /** Where the facts go; absent for a dry run (nothing is written). */
  session?: Session;
  mask: Masker;
  present: Present;
  /** The outcome of the root's output (a deployment records its own). */
  outcome: (output: OutputFrom<TLogic>) => Outcome;
  /**
   * Runs after the root finished and before its outcome is recorded, e.g. to record the release
   * a rollback returned to; it may record facts.
   */
  finalize?: (output: OutputFrom<TLogic>, record: Recorder) => Promise<void>;
  /** Leaves the process at once (the third signal); src/cli provides it. */
  hardExit: () => void;
  /** Also write XState's raw inspection trace to `trace.jsonl` (for debugging stagecraft). */
  trace?: boolean;
}

/** How long a run whose lock was lost waits for its running steps before it stops. */
const LOST_LOCK_DRAIN_MS = 5 * 60_000;

/** How long a run whose lock was lost tries to record how it ended before it exits anyway. */
const LOST_LOCK_CLOSE_MS = 5_000;

/** How often a pending decision is looked up in the team database for an answer given elsewhere. */
const ANSWER_POLL_MS = 300;

/** What a driven run ended with. */
export interface Driven<TOutput> {
  /** Absent when the run was stopped because its lock was lost. */
  output: TOutput | undefined;
  outcome: Outcome;
  record: RunRecord;
  /** A fact that could not be journaled (the run went on; this says why the journal is short). */
  journalError?: unknown;
}

/** Runs the root statechart to its end; see the module comment. */
export async function drive<TLogic extends AnyStateMachine>(
  o: DriveOptions<TLogic>,
): Promise<Driven<OutputFrom<TLogic>>> {
  const record = emptyRecord();
  for (const fact of o.history ?? []) applyFact(record, fact);
  let presenter: Presenter | undefined;
  const listeners = new RunListeners(o.mask, (text) =>
    presenter?.warn === undefined ? process.stderr.write(text) : presenter.warn(text),
  );
  let chain: Promise<void> = Promise.resolve();
  let journalError: unknown;
  // After a hangup, each prompt is answered with its default as soon as it is shown.
  let hungUp = false;
  const answered = new Set<string>();
  const answerUnattended = (): void => {
    const d = record.pendingDecision;
    if (!hungUp || d === undefined || answered.has(d.id)) return;
    answered.add(d.id);
    send(choiceToEvent(d.defaultChoice, 'hangup'));
  };
  const publish = (fact: StampedFact): void => {
    applyFact(record, fact);
    listeners.publish(fact);
    if (fact.type === 'decision.requested') {
      answerUnattended();
      pollAnswers();
    }
  };
  // Answers given with `stagecraft decide` (team database only), looked for while one is pending.
  let answersSeen = 0;
  let polling: NodeJS.Timeout | undefined;
  const pollAnswers = (): void => {
    const store = o.session?.store;
    if (store?.answersSince === undefined || polling !== undefined) return;
    const tick = async (): Promise<void> => {
      const pending = record.pendingDecision;
      if (pending === undefined || record.outcome !== undefined) {
        polling = undefined;
        return;
      }
      const answers = await store
        .answersSince?.(record.deploymentId ?? '', answersSeen)
        .catch(() => []);
      for (const a of answers ?? []) {
        answersSeen = Math.max(answersSeen, a.seq);
        const now = record.pendingDecision;
        if (now?.id === a.decisionId && (now.choices as string[]).includes(a.choice))
          send(choiceToEvent(a.choice as Choice, a.by));
      }
      polling = setTimeout(() => void tick(), ANSWER_POLL_MS);
    };
    polling = setTimeout(() => void tick(), 0);
  };
  let lostLock: string | undefined;
  const sink: Recorder = (fact) => {
    const stamped = o.mask.value<StampedFact>({ ...fact, ts: Date.now() });
    const journaled = o.session?.journal.append(stamped as unknown as JournalInput);
    if (lostLock !== undefined) {
      // The lock is gone and the store most likely with it: shown at once, journaled if it can be.
      journaled?.catch(() => undefined);
      chain = chain.then(() => publish(stamped));
      return;
    }
    chain = chain
      .then(
        () => journaled,
        () => journaled,
      )
      .then(
        () => publish(stamped),
        (error: unknown) => {
          journalError ??= error;
          publish(stamped);
        },
      );
  };
  const trace =
    o.trace === true && o.session !== undefined
      ? await Journal.open(statePaths.trace(o.session.stateDir, o.session.id), { mask: o.mask })
      : undefined;
  const actor = createActor(o.compose(sink), {
    input: o.input,
    ...(trace === undefined
      ? {}
      : {
          inspect: (ev) => {
            if (ev.type === '@xstate.event')
              void trace
                .append({
                  type: 'event',
                  session: ev.actorRef.sessionId,
                  event: ev.event,
                })
                .catch(() => undefined);
          },
        }),
  });

  let stopLost: (() => void) | undefined;
  let interrupts = 0;
  const send = (event: OperatorEvent): void => {
    if (event.type === 'run.interrupt') {
      interrupts += 1;
      if (interrupts >= 3) {
        killTrackedGroups();
        o.session?.closeSync();
        o.hardExit();
        return;
      }
    }
    // Every root statechart accepts decisions and `run.interrupt` (one it does not expect is
    // ignored, as XState ignores any event without a transition).
    (actor as { send(e: OperatorEvent): void }).send(event);
  };
  const onSignal = (): void => send({ type: 'run.interrupt' });
  let opened = false;
  const noteHangup = (): void =>
    sink({
      type: 'warning',
      message:
        'the terminal hung up (SIGHUP): the run went on without it, its prompts took their default',
    });
  const onHangup = (): void => {
    if (hungUp) return;
    hungUp = true;
    try {
      presenter?.detach?.();
    } catch (error) {
      listeners.failed(error, 'when the terminal hung up');
    }
    // The record opens with `run.started`: a hangup before the start is noted right after it.
    if (!opened) return;
    noteHangup();
    answerUnattended();
  };
  const onExit = (): void => {
    killTrackedGroups();
    o.session?.closeSync();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', onExit);
  const stopHangup = whenHungUp(onHangup);
  // Signals that arrived while the session was being opened are interruptions of this run.
  const early = o.session?.takeSignals() ?? 0;

  const source: ViewSource = {
    record: () => record,
    subscribe: (listener) => listeners.add(listener),
    send,
  };
  try {
    const first = o.opening[0];
    const deploymentId = first?.type === 'run.started' ? first.deploymentId : record.deploymentId;
    presenter = await o.present(source, { deploymentId });
    // Facts are recorded only once the presenter listens: a reporter sees every one of them.
    for (const fact of o.opening) sink(fact);
    if (hungUp) presenter.detach?.();
    let lost: string | undefined;
    const output = await new Promise<OutputFrom<TLogic> | undefined>((resolve, reject) => {
      stopLost = o.session?.onLockLost((why) => {
        lost = why;
        lostLock = why;
        // What waits on the unreachable store is shown without waiting any more.
        chain = Promise.resolve();
        // Reported at once, not after the journal: the journal is most likely in the database
        // that is out of reach (its writes wait for their timeout), and the holder must say it
        // lost the lock before the server frees it. It is still journaled if it can be.
        const warning = o.mask.value<StampedFact>({
          type: 'warning',
          message: `the environment lock was lost: ${why}. Nothing more is started; the run stops once what is running has finished`,
          ts: Date.now(),
        });
        o.session?.journal.append(warning as unknown as JournalInput).catch(() => undefined);
        publish(warning);
        void o.session?.gate.idle(LOST_LOCK_DRAIN_MS).then(() => {
          actor.stop();
          resolve(undefined);
        });
      });
      actor.subscribe({
        complete: () =>
          resolve((actor.getSnapshot() as { output?: unknown }).output as OutputFrom<TLogic>),
        error: reject,
      });
      actor.start();
      for (let i = 0; i < early; i += 1) send({ type: 'run.interrupt' });
      opened = true;
      if (hungUp) {
        noteHangup();
        answerUnattended();
      }
    });
    await chain;
    if (output !== undefined) await o.finalize?.(output, sink);
    await chain;
    const outcome: Outcome =
      output === undefined
        ? {
            result: 'aborted',
            interrupted: true,
            reason: `the environment lock was lost (${lost ?? 'unknown'}); stopped at a safe point: resume it with \`stagecraft resume ${record.deploymentId ?? ''}\` once the state database answers`,
          }
        : (record.outcome ?? o.outcome(output));
    if (record.outcome === undefined) {
      sink({ type: 'deployment.finished', ...outcome });
      await chain;
    }
    // The outcome is known and journaled: a presenter that cannot show it does not change it.
    await presenter.finish().catch((error: unknown) => listeners.failed(error, 'at the end'));
    if (output === undefined)
      // The database may be out of reach too: what cannot be written, the lost lock says.
      await Promise.race([
        o.session?.close(outcome, 'interrupted').catch(() => undefined),
        new Promise((r) => setTimeout(r, LOST_LOCK_CLOSE_MS).unref()),
      ]);
    else await o.session?.close(outcome, undefined, record.release);
    return {
      output,
      outcome,
      record,
      ...(journalError === undefined ? {} : { journalError }),
    };
  } catch (error) {
    actor.stop();
    await chain.catch(() => undefined);
    await presenter?.finish().catch(() => undefined);
    await o.session?.close(undefined, 'failed').catch(() => undefined);
    if (error instanceof StagecraftError) throw error;
    throw new StagecraftError('bug', o.mask.text(errorMessage(error)), { cause: error });
  } finally {
    stopLost?.();
    if (polling !== undefined) clearTimeout(polling);
    killTrackedGroups();
    await Promise.all([stopCommandRunner(), closeSshPool()]);
    await trace?.close().catch(() => undefined);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    stopHangup();
    process.off('exit', onExit);
  }
}
