/**
 * Single child statecharts bound to (fake) effects and a recorder exactly as
 * src/runtime/compose.ts binds them inside a deployment, for tests that run one machine under a
 * tiny parent: `record` goes to the recorder, `tell` to the parent (sendParent).
 */
import { sendParent } from 'xstate';
import { effectActors, type Effects } from '../../src/machines/effects.js';
import { healthMachine } from '../../src/machines/health/index.js';
import { rolloutMachine } from '../../src/machines/rollout/index.js';
import { serviceMachine } from '../../src/machines/service/index.js';
import { stageMachine } from '../../src/machines/stage/index.js';
import { verificationMachine } from '../../src/machines/verification/index.js';
import type { Fact } from '../../src/record/facts.js';
import type { Recorder } from '../../src/runtime/compose.js';

const recordTo = (record: Recorder) => ({ record: (_: unknown, fact: Fact) => record(fact) });

/** The health machine on `effects`. */
export function boundHealth(effects: Effects, record: Recorder) {
  const a = effectActors(effects);
  return healthMachine.provide({
    actors: {
      runProbe: a.runProbe,
      measurePerformance: a.measurePerformance,
      watchProbe: a.watchProbe,
    },
    actions: recordTo(record),
  });
}

/**
 * The service machine on `effects`; it tells its parent every state it enters (`tell: false`:
 * nobody listens, as in a rollback or when it runs as a root).
 */
export function boundService(effects: Effects, record: Recorder, o: { tell?: boolean } = {}) {
  const a = effectActors(effects);
  return serviceMachine.provide({
    actors: {
      runCommand: a.runCommand,
      startProcess: a.startProcess,
      stopProcess: a.stopProcess,
      watchProcess: a.watchProcess,
      checkPort: a.checkPort,
      observeProcess: a.observeProcess,
      health: boundHealth(effects, record),
    },
    actions:
      o.tell === false
        ? recordTo(record)
        : { ...recordTo(record), tell: sendParent((_, event) => event) },
  });
}

/** The stage machine (with real services) on `effects`; it tells its parent. */
export function boundStage(effects: Effects, record: Recorder) {
  const a = effectActors(effects);
  const rollout = rolloutMachine.provide({
    actors: { runProbe: a.runProbe },
    actions: { ...recordTo(record), tell: sendParent((_, event) => event) },
  });
  return stageMachine.provide({
    actors: { service: boundService(effects, record), rollout, runProbe: a.runProbe },
    actions: { ...recordTo(record), tell: sendParent((_, event) => event) },
  });
}

/** The verification machine on `effects`. */
export function boundVerification(effects: Effects, record: Recorder) {
  const a = effectActors(effects);
  return verificationMachine.provide({
    actors: {
      runProbe: a.runProbe,
      measurePerformance: a.measurePerformance,
      checkFile: a.checkFile,
    },
    actions: recordTo(record),
  });
}
