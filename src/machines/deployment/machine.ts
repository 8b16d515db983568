/**
 * The deployment statechart, the root: validating → preparing → activating (stages) → verifying →
 * finalizing, with the failure policy, operator decisions (each with a deadline and a default),
 * interruption, and rollback. Every effect is a named actor bound by src/runtime/compose.ts;
 * everything that happens is recorded as a fact (src/record/facts.ts).
 *
 * The setup is in setup.ts (effects, guards, delays) and actions.ts (named actions); each
 * phase's state config is in its own file: phases.ts (validating, preparing), activation.ts
 * (activating), finishing.ts (verifying, finalizing), failure.ts (failing, deciding,
 * rollingBack).
 */
import { activatingState } from './activation.js';
import { deploymentSetup } from './actions.js';
import { initialContext } from './context.js';
import { failingState, decidingState, rollingBackState } from './failure.js';
import { finalizingState, verifyingState } from './finishing.js';
import { preparingState, validatingState } from './phases.js';
import * as dc from './context.js';

/** The deployment statechart. */
export const deploymentMachine = deploymentSetup.createMachine({
  id: 'deployment',
  context: ({ input }) => initialContext(input),
  on: {
    'service.update': { actions: ['trackService', 'watchService'] },
    'monitor.unhealthy': { actions: { type: 'markLost', params: { liveStage: false } } },
    'monitor.error': { actions: 'monitorFailed' },
    // Reached only when no state handles it as a first interruption: leave things as they are.
    'run.interrupt': { target: '.done', actions: ['recordInterrupt', 'leaveAsIs'] },
  },
  initial: 'validating',
  states: {
    validating: validatingState,
    preparing: preparingState,
    activating: activatingState,
    verifying: verifyingState,
    failing: failingState,
    deciding: decidingState,
    finalizing: finalizingState,
    rollingBack: rollingBackState,
    /**
     * The result is known: it is reported (metrics, notifications, alerts) before it is recorded;
     * a part that could not be reported is a warning of the result, never its failure.
     */
    done: {
      on: {
        'run.interrupt': {
          target: 'finished',
          actions: { type: 'noteReport', params: ['interrupted while reporting the result'] },
        },
      },
      invoke: {
        id: 'report',
        src: 'report',
        input: ({ context }) => ({ outcome: dc.resultOf(context) }),
        onDone: {
          target: 'finished',
          actions: { type: 'noteReport', params: ({ event }) => event.output.warnings },
        },
        onError: {
          target: 'finished',
          actions: {
            type: 'noteReport',
            params: ({ event }) => [`the result was not reported: ${String(event.error)}`],
          },
        },
      },
    },
    finished: {
      type: 'final',
      entry: [{ type: 'recordPhase', params: 'done' }, 'recordFinished'],
    },
  },
  output: ({ context }) =>
    context.result ?? {
      result: 'failed',
      interrupted: context.interrupted,
      reason: 'bug: finished without a result',
    },
});
