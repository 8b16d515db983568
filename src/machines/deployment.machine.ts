/**
 * The deployment statechart, the root: validating → preparing → activating (stages) → verifying →
 * finalizing, with the failure policy, operator decisions (each with a deadline and a default),
 * interruption, and rollback. Every effect is a named actor bound by src/cli/compose.ts.
 *
 * The setup (actors, guards, actions, delays) is in deployment-setup.ts; each phase's state config
 * is in its own file: deployment-phases.ts (validating, preparing), deployment-activation.ts
 * (activating), deployment-verification.ts (verifying, finalizing), deployment-failure.ts
 * (failing, deciding, rollingBack).
 */
import { activatingState } from './deployment-activation.js';
import * as dc from './deployment-context.js';
import { failingState, decidingState, rollingBackState } from './deployment-failure.js';
import { preparingState, validatingState } from './deployment-phases.js';
import { deploymentSetup } from './deployment-setup.js';
import { finalizingState, verifyingState } from './deployment-verification.js';

/** The deployment statechart. */
export const deploymentMachine = deploymentSetup.createMachine({
  id: 'deployment',
  context: ({ input }) => dc.initialContext(input, Date.now()),
  on: {
    'service.update': { actions: ['viewService', 'watchService'] },
    'health.attempt': { actions: 'viewProbe' },
    'stage.update': { actions: 'viewStage' },
    'monitor.unhealthy': { actions: { type: 'markLost', params: { liveStage: false } } },
    'monitor.error': { actions: 'monitorFailed' },
    // Reached only when no state handles it as a first interruption: leave things as they are.
    'deployment.interrupt': {
      target: '.done',
      actions: [
        'recordInterrupt',
        {
          type: 'setResult',
          params: { result: 'aborted', exitCode: 130, reason: 'interrupted again: left as it is' },
        },
      ],
    },
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
    done: { type: 'final' },
  },
  output: ({ context }) =>
    context.result ?? { result: 'failed', exitCode: 1, reason: 'bug: finished without a result' },
});
