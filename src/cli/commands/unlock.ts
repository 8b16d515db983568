/**
 * `stagecraft unlock`: releases an environment's deploy lock. A lock whose process is gone on
 * this host is reported as stale and removed; a live holder (or one on another host, which cannot
 * be checked) is refused with exit 4 unless `--force`.
 */
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { loadPlan } from '../load-plan.js';
import type { CommonOptions } from '../options.js';
import { stateDirFor } from '../state-dir.js';

/** Options of `unlock`. */
export interface UnlockOptions extends CommonOptions {
  force?: boolean;
}

/** Runs `unlock`: 0 when removed or already free, 4 when a live holder was left in place. */
export async function unlockCommand(opts: UnlockOptions, io: CliIo): Promise<number> {
  const plan = await loadPlan(opts, io);
  const stateDir = stateDirFor(plan, io.cwd, opts.stateDir);
  const { describeHolder, unlockEnvironment } = await import('../../runtime/history.js');
  const r = await unlockEnvironment({ plan, stateDir, env: io.env }, opts.force === true);
  const report = (status: string, message: string) => {
    if (opts.json === true) {
      io.stdout.write(
        `${JSON.stringify({ environment: plan.environment, status, removed: r.removed, ...(r.holder ? { holder: r.holder } : {}), message })}\n`,
      );
    } else if (status === 'refused') io.stderr.write(`stagecraft: ${message}\n`);
    else io.stdout.write(`${message}\n`);
  };
  if (r.removed) {
    const who = r.holder === undefined ? '' : ` (was held by ${describeHolder(r.holder)})`;
    report(
      r.reason === 'forced' ? 'forced' : 'stale',
      `unlocked ${plan.environment}: ${r.reason ?? 'removed'}${who}`,
    );
    return EXIT.ok;
  }
  if (r.holder === undefined) {
    report('free', r.reason ?? `environment ${plan.environment} is not locked`);
    return EXIT.ok;
  }
  report(
    'refused',
    r.reason ?? `environment ${plan.environment} is locked by ${describeHolder(r.holder)}`,
  );
  return EXIT.locked;
}
