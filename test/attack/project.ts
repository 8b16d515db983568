/**
 * The attack suite's project: a small stack whose every command and service prints the sentinel
 * secrets — `db`, a TCP service (split-secret.mjs: each secret whole on stdout and stderr, then
 * one split across the two), `migrate`, a one-shot with rollback and stop commands, and `api`,
 * whose command probe prints the secret and the variable embedding it, passing or failing (its
 * rollback command makes it pass again).
 */
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ROOT, makeProject } from '../cli/helpers.js';

/** Programs copied into every case folder. */
const PROGRAMS = [
  join(ROOT, 'test', 'fixtures', 'engine', 'programs', 'tcp-server.mjs'),
  join(ROOT, 'test', 'fixtures', 'engine', 'programs', 'split-secret.mjs'),
  join(ROOT, 'test', 'attack', 'programs', 'hostile-http.mjs'),
];

/** A fresh case folder (a temp dir) holding the programs. */
export async function caseFolder(): Promise<string> {
  const dir = await makeProject({});
  for (const p of PROGRAMS) await copyFile(p, join(dir, p.split('/').at(-1) ?? 'x'));
  return dir;
}

/** A JSON-like config value the generators mutate. */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** How the base stack behaves. */
export interface StackOptions {
  port: number;
  /** api's probe passes (a deploy succeeds) or fails (a deploy rolls back). */
  healthy: boolean;
  /** Seconds migrate's activation sleeps before it exits 0. */
  migrateSleep?: number;
  /** Seconds migrate's rollback sleeps (something to interrupt during a rollback). */
  rollbackSleep?: number;
}

/** `printf` of a label and variables ($NAME each): echo would interpret the backslash. */
export const printVars = (label: string, ...names: string[]): string =>
  `printf '${label}${' %s'.repeat(names.length)}\\n' ${names.map((n) => `"$${n}"`).join(' ')}`;

/** The base config as data. */
export function stackConfig(o: StackOptions): { [k: string]: Json } {
  const sleep = (s: number | undefined): string => (s === undefined ? '' : `sleep ${s}; `);
  return {
    name: 'attack',
    secrets: ['ATTACK_SECRET', 'S_SPLIT'],
    vars: { PORT: String(o.port), DB_URL: 'postgres://app@db.internal/app' },
    policy: { onFailure: 'rollback' },
    services: {
      db: {
        process: {
          run: 'node split-secret.mjs PORT',
          env: { SENTINELS: 'ATTACK_SECRET,DB_URL' },
        },
        health: {
          tcp: '127.0.0.1:${PORT}',
          interval: '100ms',
          timeout: '500ms',
          retries: 3,
          startPeriod: '5s',
        },
      },
      migrate: {
        dependsOn: ['db'],
        activate: `${sleep(o.migrateSleep)}${printVars('migrate', 'ATTACK_SECRET', 'DB_URL')}`,
        rollback: `${sleep(o.rollbackSleep)}${printVars('undo', 'ATTACK_SECRET', 'DB_URL')}`,
        stop: printVars('stop', 'ATTACK_SECRET', 'S_SPLIT'),
        timeout: '20s',
      },
      api: {
        dependsOn: ['migrate'],
        // Its probe passes while api.ok exists: a failing deployment's rollback of api puts it
        // back, so a rollback is complete and the deployment ends "failed and rolled back".
        activate: `${o.healthy ? 'touch' : 'rm -f'} api.ok; ${printVars('api', 'S_SPLIT')}`,
        rollback: `touch api.ok; ${printVars('undo api', 'ATTACK_SECRET')}`,
        health: {
          command: `${printVars('probe', 'ATTACK_SECRET', 'DB_URL')}; test -f api.ok`,
          interval: '100ms',
          timeout: '1s',
          retries: 2,
        },
      },
    },
  };
}

/** YAML text of a config (no anchors: the text is what the generator built). */
export const yamlOf = (config: Json): string => stringify(config, { aliasDuplicateObjects: false });
