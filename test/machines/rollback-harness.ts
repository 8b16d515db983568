/**
 * Test harness for the rollback machine: a parent actor that collects everything the machine
 * sends to its parent, with scripted fake `serviceRollback` and `runCommand` actors.
 */
import {
  createActor,
  fromPromise,
  waitFor,
  type AnyEventObject,
  type InspectionEvent,
} from 'xstate';
import type { PrepareStepSpec, ServiceSpec } from '../../src/config/plan-types.js';
import type { CommandOutcome, RunCommandInput } from '../../src/machines/contracts.js';
import {
  rollbackMachine,
  type RollbackInput,
  type RollbackOutput,
  type ServiceRollbackInput,
  type ServiceRollbackOutput,
} from '../../src/machines/rollback.machine.js';
import { finishingParent } from './service-test-kit.js';

/** A minimal resolved service. */
export function service(name: string, kind: 'activate' | 'process' = 'activate'): ServiceSpec {
  return { name, kind, dependsOn: [], stage: 'app', timeoutMs: 1000, readiness: [] };
}

/** A prepare step with a cleanup command. */
export function prepare(name: string, withCleanup = true): PrepareStepSpec {
  const cmd = (run: string) => ({ run, cwd: '/tmp', env: {} });
  return withCleanup
    ? { name, run: cmd(`make ${name}`), cleanup: cmd(`undo ${name}`) }
    : { name, run: cmd(`make ${name}`) };
}

/** A command outcome with the given exit code. */
export function exited(exitCode: number, outputTail = ''): CommandOutcome {
  return { exitCode, durationMs: 5, timedOut: false, canceled: false, outputTail };
}

/** What a scripted step does on one attempt: succeed, fail with a reason, or throw. */
export type Attempt = 'ok' | { fail: string } | { throw: string };

export interface Script {
  /** Per service, the outcome of each attempt in order; missing entries succeed. */
  services?: Record<string, Attempt[]>;
  /** Per cleanup label, exit codes of each attempt; missing entries exit 0. */
  cleanups?: Record<string, number[]>;
}

/** Harness options: `manual` fakes never settle (the test sends `xstate.done.actor.*` itself). */
export interface HarnessOptions {
  manual?: boolean;
  inspect?: (event: InspectionEvent) => void;
}

const never = <T>(): Promise<T> => new Promise<T>(() => undefined);

/** Starts the rollback machine under a collecting parent. */
export function startRollback(
  input: RollbackInput,
  script: Script = {},
  options: HarnessOptions = {},
) {
  const calls: Array<
    | { actor: 'serviceRollback'; input: ServiceRollbackInput }
    | { actor: 'runCommand'; input: RunCommandInput }
  > = [];
  const sent: AnyEventObject[] = [];
  const attempts = new Map<string, number>();
  const next = (key: string): number => {
    const n = attempts.get(key) ?? 0;
    attempts.set(key, n + 1);
    return n;
  };
  const machine = rollbackMachine.provide({
    actors: {
      serviceRollback: fromPromise<ServiceRollbackOutput, ServiceRollbackInput>(({ input }) => {
        calls.push({ actor: 'serviceRollback', input });
        if (options.manual) return never();
        const name = input.service.name;
        const a = script.services?.[name]?.[next(name)] ?? 'ok';
        if (a === 'ok') return Promise.resolve({ service: name, state: 'rolled-back' });
        if ('throw' in a) return Promise.reject(new Error(a.throw));
        return Promise.resolve({ service: name, state: 'rollback-failed', reason: a.fail });
      }),
      runCommand: fromPromise<CommandOutcome, RunCommandInput>(({ input }) => {
        calls.push({ actor: 'runCommand', input });
        if (options.manual) return never();
        const code = script.cleanups?.[input.label]?.[next(input.label)] ?? 0;
        return Promise.resolve(exited(code, code === 0 ? '' : `boom ${input.label}\n`));
      }),
    },
  });
  const { parent, result } = finishingParent('rollback', machine, input, sent);
  const actor = createActor(parent, options.inspect ? { inspect: options.inspect } : {});
  actor.start();
  const child = () =>
    actor.system.get('rollback') as
      ReturnType<typeof createActor<typeof rollbackMachine>> | undefined;
  return {
    actor,
    calls,
    sent,
    result,
    child,
    /** The rollback child's state value, or 'finished'. */
    state: () => (child()?.getSnapshot().value as string | undefined) ?? 'finished',
    /** Resolves when the machine finished; returns its output. */
    finished: async (): Promise<RollbackOutput> => {
      await waitFor(actor, (s) => s.matches('finished'), { timeout: 5000 });
      if (result.error !== undefined) throw result.error as Error;
      return result.output!;
    },
    /** Resolves when the rollback waits for a decision. */
    awaitingDecision: async () => {
      await waitFor(child()!, (s) => s.matches('awaitingDecision'), { timeout: 5000 });
    },
    /** The progress events of one type the parent received. */
    of: (type: string) => sent.filter((e) => e.type === type),
  };
}
