/**
 * `stagecraft plan --fail SERVICE [--when POINT]`: what a failure of SERVICE there does, walked
 * on the real deployment statechart with simulated effects — as text, or with `--format svg|html`
 * drawn over the statechart. Nothing runs and nothing is written (but `-o FILE`).
 */
import { resolve } from 'node:path';
import { usageError } from '../../core/errors.js';
import { pathFormat } from '../path-format.js';
import { EXIT } from '../exit-codes.js';
import { formatWhatIf, statesOf } from '../format-what-if.js';
import type { CliIo } from '../io.js';
import { loadPlan } from '../load-plan.js';
import type { CommonOptions } from '../options.js';
import { stateDirFor } from '../state-dir.js';
import { writeOutput } from '../write-output.js';
import type { WhatIf } from '../../runtime/what-if/explore.js';

/** Options of `plan`. */
export interface PlanOptions extends CommonOptions {
  fail?: string;
  when?: string;
  format?: string;
  output?: string;
}

/** Notes for the statechart: each prompt and its answer in the state that asked it, the rollback order, the result. */
function whatIfNotes(w: WhatIf): Record<string, string> {
  const notes: Record<string, string[]> = {};
  const add = (id: string, text: string): void => {
    (notes[id] ??= []).push(text);
  };
  let last = 'deployment';
  for (const [i, e] of w.main.entries.entries()) {
    if (e.kind === 'enter') last = e.state;
    if (e.kind !== 'fact') continue;
    const f = e.fact;
    if (f.type === 'decision.requested') {
      const p = w.main.prompts.find((x) => x.decision.id === f.decision.id);
      const asker = w.main.entries
        .slice(i)
        .find((x) => x.kind === 'enter' || (x.kind === 'fact' && x.fact.type === 'decision.taken'));
      const at = asker?.kind === 'enter' ? asker.state : last;
      add(
        at,
        `asks ${f.decision.choices.join(' | ')} (default ${f.decision.defaultChoice}) → ${p?.choice ?? '?'}`,
      );
    }
    if (f.type === 'rollback.started')
      add('deployment.rollingBack', `rolls back ${f.steps.join(' → ')}`);
  }
  add('deployment.finished', w.main.outcome.result);
  return Object.fromEntries(Object.entries(notes).map(([k, v]) => [k, v.join('\n')]));
}

/** Runs `plan --fail`. */
export async function planFailCommand(opts: PlanOptions, io: CliIo): Promise<number> {
  if (opts.json === true)
    throw usageError('--json does not go with --fail: the what-if is text, or --format svg|html');
  const format = pathFormat(opts);
  const plan = await loadPlan(opts, io);
  const { checkWhatIf, recordedPrevious, whatIf, whatIfPlan } =
    await import('../../runtime/what-if/explore.js');
  const service = opts.fail ?? '';
  const when = checkWhatIf(plan, service, opts.when ?? 'activating');
  const previous = await recordedPrevious(plan, stateDirFor(plan, io.cwd, opts.stateDir), io.env);
  const w = await whatIf(whatIfPlan(plan), service, when, previous);
  const text = formatWhatIf(w);
  let out = text;
  if (format !== 'text') {
    const [{ exportMachinePath }, { pathHighlight }, { machineModel }, { deploymentMachine }] =
      await Promise.all([
        import('../../export/index.js'),
        import('../../export/highlight.js'),
        import('../../export/model.js'),
        import('../../machines/deployment/index.js'),
      ]);
    const highlight = pathHighlight(
      machineModel(deploymentMachine),
      statesOf(w.main),
      whatIfNotes(w),
    );
    const svg = await exportMachinePath(deploymentMachine, highlight);
    if (format === 'svg') out = svg;
    else {
      const { pathPage } = await import('../../export/path-page.js');
      out = pathPage({
        title: `What if ${service} fails at ${when} — ${plan.project} · ${plan.environment}`,
        svgs: [svg],
        items: text.trimEnd().split('\n'),
      });
    }
  }
  if (opts.output !== undefined) await writeOutput(resolve(io.cwd, opts.output), out);
  else io.stdout.write(out);
  return EXIT.ok;
}
