/** The monitor statechart's public surface. */
export { canMonitor, monitorMachine } from './machine.js';
