/** Runs a stage machine under a parent that records what the stage tells it. */
import { createActor, fromPromise, setup } from 'xstate';
import type { AnyActorRef, AnyEventObject } from 'xstate';
import type { ProbeOutcome, ProbeInput } from '../../src/machines/contracts.js';
import { stageMachine } from '../../src/machines/stage.machine.js';
import type { StageInput, StageOutput } from '../../src/machines/stage.machine.js';
import { fakeService } from './deployment-fakes.js';
import type { FakeOutcome } from './deployment-fakes.js';

/** A running stage under a recording parent. */
export interface StageRun {
  parent: AnyActorRef;
  events: AnyEventObject[];
  outputs: StageOutput[];
  log: string[];
  stage: () => AnyActorRef;
  service: (name: string) => AnyActorRef;
}

/** Start a stage with scripted fake services and scripted verify probe outcomes. */
export function runStage(
  input: StageInput,
  script: Record<string, FakeOutcome[]> = {},
  probes: boolean[] = [],
): StageRun {
  const events: AnyEventObject[] = [];
  const outputs: StageOutput[] = [];
  const log: string[] = [];
  let probeCall = 0;
  const stage = stageMachine.provide({
    actors: {
      service: fakeService(script, log),
      runProbe: fromPromise<ProbeOutcome, ProbeInput>(({ input: p }) => {
        const ok = probes[probeCall++] ?? true;
        log.push(`probe:${p.label}`);
        return Promise.resolve({ ok, detail: ok ? 'exit 0' : 'exit 1', durationMs: 5 });
      }),
    },
  });
  const parentMachine = setup({ actors: { stage } }).createMachine({
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
  const service = (name: string): AnyActorRef => {
    const ref = (stageRef().getSnapshot() as { children: Record<string, AnyActorRef | undefined> })
      .children[`service:${name}`];
    if (ref === undefined) throw new Error(`service ${name} is not running`);
    return ref;
  };
  return { parent, events, outputs, log, stage: stageRef, service };
}
