/**
 * `show <id> --format svg|html`: the plan above the deployment statechart with the path that
 * deployment took drawn over it — the states entered (read from its journal's facts), the time
 * spent in each and the decisions with who took them as notes in their states.
 */
import type { ResolvedPlan } from '../../config/plan-types.js';
import type { StampedFact } from '../../record/facts.js';
import type { PathTaken } from '../../record/path-taken.js';
import { formatDuration } from './history.js';
import { shortState } from '../path-format.js';

/** The notes of each state: time spent (and visits), and the decisions taken in it. */
function pathNotes(path: PathTaken): Record<string, string> {
  const notes: Record<string, string[]> = {};
  for (const [state, t] of Object.entries(path.time))
    (notes[state] ??= []).push(`${formatDuration(t.ms)}${t.visits > 1 ? ` (${t.visits}×)` : ''}`);
  // A decision belongs to the state entered last before it was taken.
  for (const d of path.decisions) {
    const before = path.entered.filter((e) => e.at <= d.at).at(-1);
    const state = before?.state ?? 'deployment';
    (notes[state] ??= []).push(`${d.choice} by ${d.by}`);
  }
  return Object.fromEntries(Object.entries(notes).map(([k, v]) => [k, v.join('; ')]));
}

/** The path as list items, in time order: each state entered, each decision with who took it. */
function pathItems(path: PathTaken): string[] {
  const clock = (ms: number): string => new Date(ms).toISOString().slice(11, 23);
  const rows = [
    ...path.entered.map((e, i) => ({
      at: e.at,
      order: i,
      text: `${clock(e.at)}  ${shortState(e.state)} (${formatDuration(path.time[e.state]?.ms ?? 0)} in all)`,
    })),
    ...path.decisions.map((d, i) => ({
      at: d.at,
      order: path.entered.length + i,
      text: `${clock(d.at)}  decision on ${d.subject} (${d.kind}): ${d.choice} by ${d.by}`,
    })),
  ];
  // Sorted by time; at the same millisecond, states before decisions, each in recorded order.
  return rows.sort((a, b) => a.at - b.at || a.order - b.order).map((r) => r.text);
}

/** Renders the drawing of deployment `id`. */
export async function drawShown(
  id: string,
  plan: ResolvedPlan,
  facts: readonly StampedFact[],
  format: 'svg' | 'html',
): Promise<string> {
  const [{ pathTaken }, { exportMachinePath, exportPlan }, { pathHighlight }, { machineModel }] =
    await Promise.all([
      import('../../record/path-taken.js'),
      import('../../export/index.js'),
      import('../../export/highlight.js'),
      import('../../export/model.js'),
    ]);
  const { deploymentMachine } = await import('../../machines/deployment/index.js');
  const path = pathTaken(facts);
  const highlight = pathHighlight(
    machineModel(deploymentMachine),
    path.entered.map((e) => e.state),
    pathNotes(path),
  );
  const [planSvg, machineSvg] = await Promise.all([
    exportPlan(plan, 'svg'),
    exportMachinePath(deploymentMachine, highlight),
  ]);
  if (format === 'svg') {
    const { stackSvgs } = await import('../../export/stack-svg.js');
    return stackSvgs([planSvg, machineSvg]);
  }
  const { pathPage } = await import('../../export/path-page.js');
  return pathPage({
    title: `Deployment ${id} — ${plan.project} · ${plan.environment}`,
    svgs: [planSvg, machineSvg],
    items: pathItems(path),
  });
}
