import type { MachineModel, ModelState, ModelTransition } from './model-types.js';
import { edgeContainer, mermaidIds, mermaidText, stateTree } from './tree.js';

/**
 * Renders a machine as a Mermaid `stateDiagram-v2`: the root is a composite state named after the
 * machine; compound states nest, parallel regions are separated by `--`, `[*]` marks initial and
 * final states, history states are `H` / `H*` pseudo states with their default as an edge,
 * invoked actors are notes. Each edge sits in the block of the deepest state containing both ends.
 * Targetless transitions are self-loops labelled `(no target)`.
 */
export function machineToMermaid(model: MachineModel): string {
  const tree = stateTree(model);
  const ids = mermaidIds(model.states.map((s) => s.id));
  const mid = (id: string): string => ids.get(id) ?? id;
  const edgesIn = new Map<string | undefined, ModelTransition[]>();
  for (const t of model.transitions) {
    const where = edgeContainer(tree, t);
    const list = edgesIn.get(where);
    if (list === undefined) edgesIn.set(where, [t]);
    else list.push(t);
  }
  const lines: string[] = ['stateDiagram-v2'];
  const edgeLines = (t: ModelTransition, pad: string): string[] => {
    const label = mermaidText(
      t.label + (t.targets.length === 0 ? ' (no target)' : t.reenter ? ' (reenter)' : ''),
    );
    const targets = t.targets.length === 0 ? [t.source] : t.targets;
    return targets.map((to) => `${pad}${mid(t.source)} --> ${mid(to)} : ${label}`);
  };
  const emit = (s: ModelState, pad: string): void => {
    const name = mermaidText(s.key);
    if (s.type === 'history') {
      lines.push(`${pad}state "${s.history === 'deep' ? 'H*' : 'H'} ${name}" as ${mid(s.id)}`);
      for (const d of s.historyDefault)
        lines.push(`${pad}${mid(s.id)} --> ${mid(d)} : history default`);
    } else if (s.type === 'compound' || s.type === 'parallel') {
      lines.push(
        `${pad}state "${name}${s.type === 'parallel' ? ' (parallel)' : ''}" as ${mid(s.id)} {`,
      );
      const inner = `${pad}  `;
      if (s.initial) lines.push(`${inner}[*] --> ${mid(s.initial)}`);
      s.children.forEach((c, i) => {
        if (s.type === 'parallel' && i > 0) lines.push(`${inner}--`);
        emit(tree.get(c), inner);
      });
      for (const t of edgesIn.get(s.id) ?? []) lines.push(...edgeLines(t, inner));
      lines.push(`${pad}}`);
    } else {
      lines.push(`${pad}state "${name}" as ${mid(s.id)}`);
    }
    if (s.type === 'final') lines.push(`${pad}${mid(s.id)} --> [*]`);
    if (s.invoke.length > 0) {
      const text = s.invoke.map((i) => mermaidText(`invoke ${i.src} (id ${i.id})`)).join('<br/>');
      lines.push(`${pad}note right of ${mid(s.id)} : ${text}`);
    }
  };
  const root = tree.get(model.id);
  lines.push(`  [*] --> ${mid(root.id)}`);
  emit(root, '  ');
  for (const t of edgesIn.get(undefined) ?? []) lines.push(...edgeLines(t, '  '));
  return `${lines.join('\n')}\n`;
}
