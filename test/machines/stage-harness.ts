/**
 * Runs the real stage machine (with real service and health machines) on fake effects, under a
 * parent that keeps what the stage tells it and its output.
 */
import { createActor, setup } from 'xstate';
import type { AnyActorRef, AnyEventObject } from 'xstate';
import type { StageFailureEvent } from '../../src/machines/events.js';
import type { StageInput, StageOutput } from '../../src/machines/stage/index.js';
import { boundStage } from './bound.js';
import { FakeEffects, type FakeScript } from './fake-effects.js';
import { recording, type Recording } from './recording.js';

/** A running stage under a listening parent. */
export interface StageRun {
  parent: AnyActorRef;
  /** What the stage told its parent (service updates, stage failures), and its error if any. */
  events: AnyEventObject[];
  outputs: StageOutput[];
  fx: FakeEffects;
  rec: Recording;
  stage: () => AnyActorRef;
  /** The stage failures told so far. */
  failures: () => StageFailureEvent[];
}

/** Starts a stage on fake effects scripted by `script`. */
export function runStage(input: StageInput, script: FakeScript = {}): StageRun {
  const events: AnyEventObject[] = [];
  const outputs: StageOutput[] = [];
  const fx = new FakeEffects(script);
  const rec = recording();
  const parentMachine = setup({
    actors: { stage: boundStage(fx.effects, rec.record) },
  }).createMachine({
    initial: 'running',
    states: {
      running: {
        invoke: {
          id: 'stage',
          src: 'stage',
          input,
          onDone: { target: 'done', actions: ({ event }) => outputs.push(event.output) },
          onError: {
            target: 'done',
            actions: ({ event }) => events.push({ type: 'error', error: event.error }),
          },
        },
        on: { '*': { actions: ({ event }) => events.push(event) } },
      },
      done: { type: 'final' },
    },
  });
  const parent = createActor(parentMachine).start();
  const stageRef = (): AnyActorRef => {
    const ref = parent.getSnapshot().children.stage as AnyActorRef | undefined;
    if (ref === undefined) throw new Error('stage is not running');
    return ref;
  };
  const failures = () => events.filter((e): e is StageFailureEvent => e.type === 'stage.failure');
  return { parent, events, outputs, fx, rec, stage: stageRef, failures };
}
