/** Every bad-input generator of the attack suite, in the order the seeded schedule draws from. */
import type { Generator } from './case.js';
import { CONFIG_INPUTS } from './inputs-config.js';
import { FILE_INPUTS } from './inputs-files.js';

const ORDER = [
  'fuzz-mutation',
  'wrong-type',
  'huge-or-negative-duration',
  'control-characters',
  'prototype-keys',
  'deep-nesting',
  'duplicate-keys',
  'bad-names',
  'config-file-kind',
  'yaml-parsers-agree',
  'long-dependency-chain',
  'shell-metacharacters-in-var',
  'broken-state-file',
];

export const INPUTS: Generator[] = [...CONFIG_INPUTS, ...FILE_INPUTS].sort(
  (a, b) => ORDER.indexOf(a.name) - ORDER.indexOf(b.name),
);
