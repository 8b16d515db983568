/**
 * Resume looks for a `process` instance placed on a host where it runs: the recovery
 * (src/runtime/recovery.ts) asks the liveness it is given (resume's looks at the instance's pid
 * record on its host), not this machine's /proc, whether the journaled process still runs.
 */
import { describe, expect, it } from 'vitest';
import type { HostSpec, ServiceSpec } from '../../src/config/plan-types.js';
import type { StampedFact } from '../../src/record/facts.js';
import { foldFacts } from '../../src/record/fold.js';
import { planRecovery } from '../../src/runtime/recovery.js';
import { plan, service, stage } from '../machines/deployment-fixtures.js';
import { runStarted } from '../machines/recording.js';

const T0 = Date.UTC(2026, 11, 3, 8, 0, 0);
const at = (ms: number) => ({ ts: T0 + ms });
const host = { name: 'web-1', address: '10.200.0.21', port: 22, user: 'deploy' } as HostSpec;
/** A pid no process of this machine has (above the kernel's pid_max limit). */
const REMOTE_PID = 4_194_400;

function placedPlan() {
  const base = service('daemon@web-1', 'all');
  const spec: ServiceSpec = {
    ...base,
    kind: 'process',
    process: { run: 'exec ./daemon', cwd: '~', env: {}, host },
    placement: { service: 'daemon', host: 'web-1' },
  };
  return plan({
    services: { 'daemon@web-1': spec },
    stages: [stage('all', ['daemon@web-1'])],
    activationOrder: ['daemon@web-1'],
    rollbackOrder: ['daemon@web-1'],
    prepare: [],
  });
}

function interrupted(): StampedFact[] {
  const p = placedPlan();
  return [
    { ...runStarted(p), ...at(0) },
    { type: 'phase', phase: 'activating', ...at(10) },
    { type: 'stage.status', stage: 'all', status: 'running', ...at(20) },
    {
      type: 'service.state',
      service: 'daemon@web-1',
      state: 'activating',
      attempt: 1,
      maxAttempts: 1,
      ...at(30),
    },
    {
      type: 'service.process',
      service: 'daemon@web-1',
      pid: REMOTE_PID,
      procStart: 123456,
      logFile: 'web-1:~/.stagecraft/p/default/logs/daemon@web-1.log',
      startedAt: T0 + 40,
      ...at(40),
    },
  ];
}

describe('resume: a placed process instance is looked for on its host', () => {
  it('alive there (by its pid record): re-entered at checking health, whatever this machine runs', async () => {
    const asked: Array<[string, number, number | undefined]> = [];
    const r = await planRecovery(
      placedPlan(),
      foldFacts(interrupted()),
      {},
      false,
      undefined,
      (svc, pid, procStart) => {
        asked.push([svc, pid, procStart]);
        return Promise.resolve(true);
      },
    );
    expect(asked).toEqual([['daemon@web-1', REMOTE_PID, 123456]]);
    expect(r.kind === 'deploy' && r.summary.services).toEqual([
      {
        service: 'daemon@web-1',
        entry: 'health',
        why: `its process from this run is running (pid ${REMOTE_PID})`,
      },
    ]);
  });

  it('gone there: started again', async () => {
    const r = await planRecovery(placedPlan(), foldFacts(interrupted()), {}, false, undefined, () =>
      Promise.resolve(false),
    );
    expect(r.kind === 'deploy' && r.summary.services).toEqual([
      {
        service: 'daemon@web-1',
        entry: 'activate',
        why: 'its process from this run is not running',
      },
    ]);
  });
});
