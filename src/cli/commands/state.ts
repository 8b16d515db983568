/**
 * `stagecraft state migrate` and `stagecraft state import`: set up the team state database. The
 * URL is STAGECRAFT_STATE_URL, else the config's `state.url`; it is never printed with its password.
 */
import { StagecraftError } from '../../core/errors.js';
import { count } from '../../core/plural.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { loadPlan } from '../load-plan.js';
import type { CommonOptions } from '../options.js';
import { stateDirFor } from '../state-dir.js';

/** The database URL: the environment's, else the config's. */
async function urlOf(opts: CommonOptions, io: CliIo): Promise<string> {
  const fromEnv = io.env.STAGECRAFT_STATE_URL?.trim();
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const plan = await loadPlan(opts, io);
  if (plan.stateUrl !== undefined) return plan.stateUrl;
  throw new StagecraftError(
    'usage',
    'no state database is configured: set STAGECRAFT_STATE_URL=postgresql://user:password@host:5432/db (or `state: { url: … }` in the config)',
  );
}

/** Runs `state migrate`. */
export async function stateMigrateCommand(opts: CommonOptions, io: CliIo): Promise<number> {
  const url = await urlOf(opts, io);
  const { migrateState } = await import('../../runtime/team.js');
  const r = await migrateState(url);
  if (opts.json === true) {
    io.stdout.write(
      `${JSON.stringify({ database: r.where, from: r.from, to: r.to, applied: r.applied })}\n`,
    );
    return EXIT.ok;
  }
  if (r.applied.length === 0)
    io.stdout.write(`the state database ${r.where} is up to date (schema version ${r.to})\n`);
  else {
    io.stdout.write(
      `migrated the state database ${r.where} from schema version ${r.from} to ${r.to}:\n`,
    );
    for (const m of r.applied) io.stdout.write(`  ${m.version}  ${m.what}\n`);
  }
  return EXIT.ok;
}

/** Runs `state import`: the state directory of the config (or --state-dir) into the database. */
export async function stateImportCommand(opts: CommonOptions, io: CliIo): Promise<number> {
  const plan = await loadPlan(opts, io);
  const url = await urlOf(opts, io);
  const stateDir = stateDirFor(plan, io.cwd, opts.stateDir);
  const { importState } = await import('../../runtime/team.js');
  const r = await importState(plan, stateDir, url);
  if (opts.json === true) {
    io.stdout.write(`${JSON.stringify({ database: r.where, stateDir, ...r })}\n`);
    return EXIT.ok;
  }
  io.stdout.write(
    `imported ${stateDir} into ${r.where}: ${count(r.deployments, 'deployment')} with ${count(r.entries, 'journal entry', 'journal entries')}, ${count(r.releases, 'release')}` +
      (r.skipped > 0 ? `; ${r.skipped} already there, left as they were` : '') +
      '\n',
  );
  return EXIT.ok;
}
