/** Every fault generator of the attack suite, in the order the seeded schedule draws from. */
import type { Generator } from './case.js';
import { SIGNAL_FAULTS } from './faults-signals.js';
import { WORLD_FAULTS } from './faults-world.js';

const ORDER = [
  'kill-9',
  'kill-9-then-resume-in-flight',
  'sigint-sigterm',
  'service-exits',
  'hostile-health-server',
  'setsid-grandchild',
  'read-only-state-folder',
  'stdout-closed',
  'node-options-from-config',
  'full-log-disk',
  'two-deploys-at-once',
];

export const FAULTS: Generator[] = [...SIGNAL_FAULTS, ...WORLD_FAULTS].sort(
  (a, b) => ORDER.indexOf(a.name) - ORDER.indexOf(b.name),
);
