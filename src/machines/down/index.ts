/** The down statechart's public surface. */
export { downMachine, type DownContext, type DownInput, type DownOutput } from './machine.js';
