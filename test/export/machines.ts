import type { AnyStateMachine } from 'xstate';
import { machineEntries } from '../../src/export/machine-registry.js';
import { sampleMachine } from '../fixtures/machines/sample.machine.js';

/**
 * The machines every export test runs over: the sample machine with every feature, and all of the
 * project's real machines (the very definitions that run).
 */
export function machinesUnderTest(): Promise<Array<[string, AnyStateMachine]>> {
  return Promise.resolve([['sample', sampleMachine], ...machineEntries()]);
}
