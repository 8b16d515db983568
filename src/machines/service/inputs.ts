/**
 * The inputs the service machine hands to its effect actors, built from the service's spec.
 * Kept apart so the machine file reads like its diagram.
 */
import type { ServiceSpec } from '../../config/plan-types.js';
import type {
  CheckPortInput,
  ObserveProcessInput,
  ProcessInfo,
  RunCommandInput,
  StartProcessInput,
} from '../effects.js';
import type { HealthInput } from '../health/index.js';

/** The spec's command, or a bug: the config layer guarantees `activate` or `process` per kind. */
function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`bug: ${what} is missing from the resolved plan`);
  return value;
}

/** `runCommand` input for an `activate` service's activation. */
export function activateInput(spec: ServiceSpec): RunCommandInput {
  return {
    label: `${spec.name}.activate`,
    command: required(spec.activate, `services.${spec.name}.activate`),
    timeoutMs: spec.timeoutMs,
  };
}

/** `runCommand` input for the compensation, with the previous release's variables when known. */
export function rollbackInput(
  spec: ServiceSpec,
  previousEnv?: Record<string, string>,
): RunCommandInput {
  return {
    label: `${spec.name}.rollback`,
    command: required(spec.rollback, `services.${spec.name}.rollback`),
    timeoutMs: spec.timeoutMs,
    ...(previousEnv ? { env: previousEnv } : {}),
  };
}

/** `startProcess` input for a `process` service (previous variables when a rollback restarts it). */
export function startInput(spec: ServiceSpec, env?: Record<string, string>): StartProcessInput {
  return {
    service: spec.name,
    command: required(spec.process, `services.${spec.name}.process`),
    ...(env ? { env } : {}),
  };
}

/** The health machine's input for a service. */
export function healthInput(spec: ServiceSpec): HealthInput {
  return {
    service: spec.name,
    ...(spec.health ? { health: spec.health } : {}),
    readiness: spec.readiness,
    ...(spec.performance ? { performance: spec.performance } : {}),
  };
}

/** `checkPort` input: the port of the service's health check, checked before it starts. */
export function portInput(spec: ServiceSpec): CheckPortInput {
  return { service: spec.name, ...(spec.health ? { probe: spec.health } : {}) };
}

/** `observeProcess` input: the instance that was started, and the port its health check reaches. */
export function observeInput(spec: ServiceSpec, process?: ProcessInfo): ObserveProcessInput {
  return {
    service: spec.name,
    process: required(process, `the process of ${spec.name}`),
    ...(spec.health ? { probe: spec.health } : {}),
  };
}
