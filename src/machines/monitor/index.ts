/** The monitor statechart's public surface. */
export { canMonitor, monitorMachine, type MonitorContext, type MonitorInput } from './machine.js';
