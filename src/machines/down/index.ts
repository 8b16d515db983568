/** The down statechart's public surface. */
export { downMachine, type DownInput, type DownOutput } from './machine.js';
