import type { CliIo } from '../io.js';
import { EXIT } from '../exit-codes.js';
import { formatPlan } from '../format-plan.js';
import { loadPlan } from '../load-plan.js';
import type { CommonOptions } from '../options.js';
import { maskingSink } from '../redact.js';

/**
 * `stagecraft plan`: the resolved plan as text, or with `--json` the ResolvedPlan plus a
 * `secrets` list of names (values never present). Exit 0; config errors throw (exit 2).
 */
export async function planCommand(opts: CommonOptions, io: CliIo): Promise<number> {
  const plan = await loadPlan(opts, io);
  const out = maskingSink(io.stdout, plan, io.env);
  if (opts.json) {
    out.json({ ...plan, secrets: plan.secretNames }, 2);
  } else {
    out.write(formatPlan(out.value(plan), io.cwd, io.env));
  }
  return EXIT.ok;
}
