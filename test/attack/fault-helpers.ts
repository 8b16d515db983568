/**
 * What the fault generators share: the base stack written with edits, and conditions a fault
 * waits for (the lock taken, a fact journaled).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT_CODES, type CaseContext } from './case.js';
import { stackConfig, yamlOf, type Json, type StackOptions } from './project.js';

const CONFIG = 'stagecraft.config.yaml';
/** The deploy every fault case runs. */
export const DEPLOY = ['deploy', '--yes', '--plain'];
/** What a run the case SIGKILLs may end with. */
export const KILLED: ReadonlyArray<number | NodeJS.Signals> = [...EXIT_CODES, 'SIGKILL'];

/** A config as data. */
export type Config = { [k: string]: Json };
/** The services of a config, to edit. */
export const services = (c: Config): { [k: string]: { [k: string]: Json } } =>
  c.services as { [k: string]: { [k: string]: Json } };

/** Writes the case's config: the base stack with `o`, then `edit`. */
export async function writeStack(
  ctx: CaseContext,
  o: Omit<StackOptions, 'port'>,
  edit?: (c: Config) => void,
) {
  const config = stackConfig({ port: ctx.port, ...o });
  edit?.(config);
  await ctx.write(CONFIG, yamlOf(config));
}

/** Text of every journal of the state folder (to wait for a fact). */
function journals(ctx: CaseContext): string {
  const dir = join(ctx.stateDir, 'deployments');
  try {
    return readdirSync(dir)
      .map((id) => {
        try {
          return readFileSync(join(dir, id, 'journal.jsonl'), 'utf8');
        } catch {
          return '';
        }
      })
      .join('\n');
  } catch {
    return '';
  }
}

/** The environment lock exists. */
export const locked = (ctx: CaseContext) => () => existsSync(ctx.lockFile);
/** Some journal of the state folder holds a fact of `type`. */
export const journaled = (ctx: CaseContext, type: string) => () =>
  journals(ctx).includes(`"type":"${type}"`);
