/** The process registry reads service names as own keys (`toString` is an ordinary name). */
import { describe, expect, it } from 'vitest';
import { recordInstance, type RegistryFile } from '../../src/state/registry.js';

const entry = {
  pid: 4242,
  startedAt: 1,
  command: 'sleep 1000',
  cwd: '/tmp',
  env: {},
  logFile: '/tmp/toString.log',
  stateDir: '/tmp/.stagecraft',
};

describe('the registry and names Object.prototype also has', () => {
  it('the first instance of a service named toString or constructor replaces nothing', () => {
    const registry: RegistryFile = { version: 1, services: {} };
    recordInstance(registry, 'toString', entry);
    recordInstance(registry, 'constructor', { ...entry, pid: 4243 });
    expect(registry.unproven).toBeUndefined();
    expect(Object.keys(registry.services)).toEqual(['toString', 'constructor']);
  });
});
