import type { AnyStateMachine } from 'xstate';
import type { ResolvedPlan } from '../config/plan-types.js';
import { usageError } from '../core/errors.js';
import { count as countOf } from '../core/plural.js';
import { dotHeader, machineDotBody, machineToDot } from './dot-machine.js';
import { reviewPage } from './html-page.js';
import { machineToJson, machineToJsonConfig } from './json-machine.js';
import { machineToMermaid } from './mermaid-machine.js';
import { machineModel } from './model.js';
import { planToDot } from './plan-dot.js';
import { planMachine } from './plan-machine.js';
import { planToMermaid } from './plan-mermaid.js';
import { machineToScxml, scxmlElement } from './scxml-machine.js';
import { regionPaths, resolveRegion } from './statechart-view.js';
import { dotToSvg } from './svg.js';
import type { Highlight } from './highlight.js';
import { renderStatechartSvg, renderStatechartsSvg } from './svg-statechart.js';

/** The machines `stagecraft graph --machine` knows. */
export type MachineName =
  | 'deployment'
  | 'stage'
  | 'rollout'
  | 'service'
  | 'health'
  | 'monitor'
  | 'rollback'
  | 'verification'
  | 'watch'
  | 'down';

/** Output formats of `stagecraft graph`. */
export type Format = 'mermaid' | 'dot' | 'svg' | 'scxml' | 'json' | 'html';

/** Every format, in the order the CLI lists them. */
export const formats: readonly Format[] = ['mermaid', 'dot', 'svg', 'scxml', 'json', 'html'];

/** What part of a machine an SVG draws: `depth` collapses deeper states, `state` picks a region. */
export interface MachineView {
  depth?: number;
  state?: string;
}

/**
 * Exports one machine, walked from its live definition. `name` titles the export; the state ids
 * inside come from the machine itself. `view` applies to SVG only (a usage error otherwise, or
 * when the depth is not a whole number from 1 or the state path is not one of the machine's).
 */
export async function exportMachine(
  machine: AnyStateMachine,
  name: string,
  format: Format,
  view: MachineView = {},
): Promise<string> {
  const model = machineModel(machine);
  if (view.depth !== undefined || view.state !== undefined) {
    if (format !== 'svg')
      throw usageError(`--depth and --state draw an SVG: pass --format svg (got ${format})`);
    if (view.depth !== undefined && !(Number.isInteger(view.depth) && view.depth >= 1))
      throw usageError(`--depth must be a whole number from 1 (got "${String(view.depth)}")`);
    if (view.state !== undefined && resolveRegion(model, view.state) === undefined)
      throw usageError(
        `--state ${view.state}: ${name} has no such state with nested states; one of ${regionPaths(model).join(', ')}`,
      );
  }
  switch (format) {
    case 'mermaid':
      return `---\ntitle: ${JSON.stringify(name)}\n---\n${machineToMermaid(model)}`;
    case 'dot':
      return machineToDot(model);
    case 'svg':
      return renderStatechartSvg(model, view);
    case 'scxml':
      return machineToScxml(model);
    case 'json':
      return machineToJson(model);
    case 'html':
      return reviewPage({ title: name, machines: [{ name, model }] });
  }
}

/**
 * Exports several machines (`--machine all`) into one document, in the given order:
 * mermaid → Markdown with a heading and a fenced `mermaid` block per machine (pastes into a PR);
 * dot → one graph with a cluster per machine; svg → the laid-out statecharts one below the
 * other; scxml → one XML document
 * `<machines>` holding an `<scxml>` per machine; json → `{ <name>: <machine config> }`;
 * html → one review page with every statechart (see {@link exportReview}).
 */
export async function exportMachines(
  entries: Array<[string, AnyStateMachine]>,
  format: Format,
): Promise<string> {
  const models = entries.map(([name, m]) => [name, machineModel(m)] as const);
  switch (format) {
    case 'mermaid':
      return models
        .map(([name, model]) => `## ${name}\n\n\`\`\`mermaid\n${machineToMermaid(model)}\`\`\`\n`)
        .join('\n');
    case 'svg':
      return renderStatechartsSvg(models.map(([name, model]) => [name, model]));
    case 'dot': {
      const body = models.flatMap(([name, model]) => machineDotBody(model, `${name}/`));
      const dot = [
        'digraph "machines" {',
        ...dotHeader.map((l) => `  ${l}`),
        ...body,
        '}',
        '',
      ].join('\n');
      return dot;
    }
    case 'scxml':
      return [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<machines>',
        ...models.map(
          ([name, model]) => `  <!-- ${name} -->\n${scxmlElement(model, '  ').trimEnd()}`,
        ),
        '</machines>',
        '',
      ].join('\n');
    case 'json':
      return `${JSON.stringify(Object.fromEntries(models.map(([name, model]) => [name, machineToJsonConfig(model)])), null, 2)}\n`;
    case 'html':
      return exportReview(undefined, entries);
  }
}

/**
 * The most services a plan SVG lays out. Graphviz's layout (in-process, WebAssembly) grows much
 * faster than the graph: measured on 2 cores, 1,000 services took 3 s in a few layers and 28 s as
 * a 1,000-long chain, 2,000 took 22 s, a 2,500-long chain 167 s, and 10,000 ran out of memory
 * after minutes. DOT and Mermaid have no limit.
 */
export const SVG_MAX_SERVICES = 1000;

/**
 * Exports a resolved plan: mermaid → a flowchart (stages as subgraphs, services with kind and
 * probes, dependency edges, confirmation gates, the rollback order as a dashed chain); dot/svg →
 * the same as Graphviz; scxml/json → the plan as a statechart (see plan-machine.ts); html → a
 * review page with the plan's SVG (see {@link exportReview}).
 * Never contains variable values, secrets or absolute paths.
 */
export async function exportPlan(plan: ResolvedPlan, format: Format): Promise<string> {
  switch (format) {
    case 'mermaid':
      return planToMermaid(plan);
    case 'dot':
      return planToDot(plan);
    case 'svg': {
      const count = Object.keys(plan.services).length;
      if (count > SVG_MAX_SERVICES)
        throw usageError(
          `the plan has ${countOf(count, 'service')}, too many to lay out as SVG (at most ${SVG_MAX_SERVICES}: Graphviz's layout time grows much faster than the graph); use --format dot and render it with Graphviz (dot -Tsvg, or sfdp -Tsvg for large graphs), or --format mermaid`,
        );
      return dotToSvg(planToDot(plan));
    }
    case 'scxml':
    case 'json':
      return exportMachine(planMachine(plan), plan.project, format);
    case 'html':
      return exportReview(plan, []);
  }
}

/**
 * The review page (`graph --format html`): one self-contained HTML file with the plan's SVG
 * (masked as every plan export is; refused above {@link SVG_MAX_SERVICES} services) and each
 * statechart as nested states that collapse and expand, a click on a state listing its
 * transitions, actions and invoked actors.
 */
export async function exportReview(
  plan: ResolvedPlan | undefined,
  entries: Array<[string, AnyStateMachine]>,
): Promise<string> {
  const planTitle = plan ? `${plan.project} · ${plan.environment}` : undefined;
  return reviewPage({
    title: planTitle ?? (entries.length === 1 ? (entries[0]?.[0] ?? '') : 'stagecraft statecharts'),
    ...(plan && planTitle
      ? { plan: { title: planTitle, svg: await exportPlan(plan, 'svg') } }
      : {}),
    machines: entries.map(([name, m]) => ({ name, model: machineModel(m) })),
  });
}

/**
 * One machine as SVG with a path drawn over it (the states a run entered, the transitions it
 * took, a note per state), walked from its live definition.
 */
export function exportMachinePath(machine: AnyStateMachine, highlight: Highlight): Promise<string> {
  return renderStatechartSvg(machineModel(machine), { highlight });
}
