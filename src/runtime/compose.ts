/**
 * The single place that binds the effects and the fact recorder to the statecharts, bottom-up:
 * health → service → stage / rollback / monitor / verification → deployment (and the rollback,
 * down and watch roots). Every child that tells its parent something gets `tell` bound to sendParent
 * here; every machine's `record` goes to the run's one recorder.
 */
import { sendParent } from 'xstate';
import type { Fact } from '../record/facts.js';
import { deploymentMachine } from '../machines/deployment/index.js';
import { downMachine } from '../machines/down/index.js';
import { effectActors, type Effects, type RunNotice } from '../machines/effects.js';
import { healthMachine } from '../machines/health/index.js';
import { monitorMachine } from '../machines/monitor/index.js';
import { rollbackMachine } from '../machines/rollback/index.js';
import { rolloutMachine } from '../machines/rollout/index.js';
import { serviceMachine } from '../machines/service/index.js';
import { stageMachine } from '../machines/stage/index.js';
import { verificationMachine } from '../machines/verification/index.js';
import { watchMachine, type WatchAlert, type WatchNotice } from '../machines/watch/index.js';

/** Receives every fact a run's statecharts record, synchronously, in order. */
export type Recorder = (fact: Fact) => void;

/** The children every root shares, bound to `effects` and `record`. */
function bind(effects: Effects, record: Recorder) {
  const actors = effectActors(effects);
  const recording = { record: (_: unknown, fact: Fact) => record(fact) };
  const health = healthMachine.provide({
    actors: {
      runProbe: actors.runProbe,
      measurePerformance: actors.measurePerformance,
      watchProbe: actors.watchProbe,
    },
    actions: recording,
  });
  const serviceActors = {
    runCommand: actors.runCommand,
    startProcess: actors.startProcess,
    stopProcess: actors.stopProcess,
    watchProcess: actors.watchProcess,
    checkPort: actors.checkPort,
    observeProcess: actors.observeProcess,
    health,
  };
  // In a stage, a service tells the stage each change; in a rollback nobody listens.
  const service = serviceMachine.provide({
    actors: serviceActors,
    actions: { ...recording, tell: sendParent((_, event) => event) },
  });
  const rollbackService = serviceMachine.provide({ actors: serviceActors, actions: recording });
  const rollback = rollbackMachine.provide({
    actors: { serviceRollback: rollbackService, runCommand: actors.runCommand },
    actions: recording,
  });
  return { actors, recording, health, service, rollback };
}

/** The deployment statechart with every effect bound. */
export function composeDeployment(effects: Effects, record: Recorder) {
  const { actors, recording, health, service, rollback } = bind(effects, record);
  const rollout = rolloutMachine.provide({
    actors: { runProbe: actors.runProbe },
    actions: { tell: sendParent((_, event) => event) },
  });
  const stage = stageMachine.provide({
    actors: { service, rollout, runProbe: actors.runProbe },
    actions: { ...recording, tell: sendParent((_, event) => event) },
  });
  const verification = verificationMachine.provide({
    actors: {
      runProbe: actors.runProbe,
      measurePerformance: actors.measurePerformance,
      checkFile: actors.checkFile,
    },
    actions: recording,
  });
  // Dependency monitoring: the same health machine, watching services once healthy.
  const monitor = monitorMachine.provide({
    actors: { health, watchProcess: actors.watchProcess },
    actions: { tell: sendParent((_, event) => event) },
  });
  // The watch window, its probes as the health machine's; its notices and alerts to `notify`.
  const watch = composeWatch(
    effects,
    record,
    watchNotices((n) => effects.notify?.(n)),
  );
  return deploymentMachine.provide({
    actors: {
      watch,
      monitor,
      checkPrerequisites: actors.checkPrerequisites,
      runCommand: actors.runCommand,
      recordRelease: actors.recordRelease,
      report: actors.report,
      stage,
      rollback,
      verification,
    },
    actions: {
      ...recording,
      notify: (_: unknown, notice: RunNotice) => effects.notify?.(notice),
    },
  });
}

/**
 * The rollback statechart exactly as a deployment's rollback runs it: the root of `stagecraft
 * rollback` and of a resumed rollback.
 */
export function composeRollback(effects: Effects, record: Recorder) {
  return bind(effects, record).rollback;
}

/** The down statechart with its effects bound. */
export function composeDown(effects: Effects, record: Recorder) {
  const actors = effectActors(effects);
  return downMachine.provide({
    actors: { runCommand: actors.runCommand, stopProcess: actors.stopProcess },
    actions: { record: (_: unknown, fact: Fact) => record(fact) },
  });
}

/** A watch's notices and alerts as the run's notices (`notify`: notifications, alerting). */
export function watchNotices(notify: (notice: RunNotice) => void): Required<WatchBindings> {
  return {
    notify: (n) =>
      notify(
        n.event === 'watch-failed'
          ? { event: 'watch-failed', service: n.service, reason: n.reason }
          : { event: 'watch-asks', service: n.service, reason: n.reason },
      ),
    alert: (a) =>
      notify({ event: 'watch-alert', service: a.service, reason: a.reason, resolved: a.resolved }),
  };
}

/** Where a watch's notices and alerts go (each a no-op when absent). */
export interface WatchBindings {
  notify?: (notice: WatchNotice) => void;
  alert?: (alert: WatchAlert) => void;
}

/** The watch statechart with its probes bound to `effects`, exactly as the health machine's. */
export function composeWatch(effects: Effects, record: Recorder, bindings: WatchBindings = {}) {
  const actors = effectActors(effects);
  return watchMachine.provide({
    actors: { runProbe: actors.runProbe, measurePerformance: actors.measurePerformance },
    actions: {
      record: (_: unknown, fact: Fact) => record(fact),
      notify: (_: unknown, notice: WatchNotice) => bindings.notify?.(notice),
      alert: (_: unknown, alert: WatchAlert) => bindings.alert?.(alert),
    },
  });
}
