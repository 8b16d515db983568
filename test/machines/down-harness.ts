/**
 * The `down` statechart composed as the runtime composes it (src/runtime/compose.ts), on fake
 * effects, as the root actor; and the services it stops.
 */
import { createActor, toPromise } from 'xstate';
import type { ServiceSpec } from '../../src/config/plan-types.js';
import type { DownInput, DownOutput } from '../../src/machines/down/index.js';
import { composeDown } from '../../src/runtime/compose.js';
import { FakeEffects, type FakeScript } from './fake-effects.js';
import { recording } from './recording.js';
import { cmd, service } from './service-test-kit.js';

/** A `process` service (stagecraft started it), with a `stop` command when `stop` is given. */
export const processService = (name: string, stop?: string): ServiceSpec => {
  const spec = service({ name, kind: 'process', process: cmd(`node ${name}.js`) });
  delete spec.activate;
  return stop === undefined ? spec : { ...spec, stop: cmd(stop) };
};

/** An `activate` service, with a `stop` command when `stop` is given. */
export const activateService = (name: string, stop?: string): ServiceSpec => {
  const spec = service({ name, activate: cmd(`./deploy-${name}.sh`) });
  return stop === undefined ? spec : { ...spec, stop: cmd(stop) };
};

/** Starts the composed down machine as the root. */
export function startDown(input: DownInput, script: FakeScript = {}) {
  const fx = new FakeEffects(script);
  const rec = recording();
  const actor = createActor(composeDown(fx.effects, rec.record), { input });
  actor.subscribe({ error: () => undefined });
  actor.start();
  return {
    actor,
    fx,
    rec,
    finished: (): Promise<DownOutput> => toPromise(actor),
    /** `service:status` of every down.service fact, in order. */
    statuses: () => rec.of('down.service').map((f) => `${f.service}:${f.status}`),
  };
}
