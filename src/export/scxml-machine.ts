import type { MachineModel, ModelState, ModelTransition } from './model-types.js';
import { stateTree, xmlEscape } from './tree.js';

/**
 * Renders a machine as W3C SCXML. Mapping (documented, so the file round-trips):
 * - the root is a `<state>` (or `<parallel>`) with the machine id, the document's `initial`;
 * - `<state initial=>`, `<parallel>`, `<final>`, `<history type= >` with its default `<transition>`;
 * - transitions keep XState's event names (`xstate.done.actor.<id>`, `xstate.error.actor.<id>`,
 *   `xstate.done.state.<id>`); guards go to `cond` as their readable name; `always` has no event;
 *   targetless ones have no `target`, re-entering ones `type="external"`;
 * - a delayed transition is the SCXML idiom: `<onentry><send event="xstate.after.<delay>.<id>"
 *   delay=...>` (or `delayexpr=` for a named delay of unknown length), `<onexit><cancel>`, and a
 *   `<transition event="xstate.after...">`;
 * - invoked actors are `<invoke type="xstate" id= src=>`.
 */
export function machineToScxml(model: MachineModel): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${scxmlElement(model, '')}`;
}

/** The `<scxml>` element alone (no XML declaration), indented by `pad`. */
export function scxmlElement(model: MachineModel, pad: string): string {
  const tree = stateTree(model);
  const bySource = new Map<string, ModelTransition[]>();
  for (const t of model.transitions) {
    const list = bySource.get(t.source);
    if (list === undefined) bySource.set(t.source, [t]);
    else list.push(t);
  }
  const lines: string[] = [];
  const attr = (name: string, value: string | undefined): string =>
    value === undefined ? '' : ` ${name}="${xmlEscape(value)}"`;
  const emit = (s: ModelState, p: string): void => {
    if (s.type === 'history') {
      lines.push(`${p}<history${attr('id', s.id)}${attr('type', s.history)}>`);
      if (s.historyDefault.length > 0)
        lines.push(`${p}  <transition${attr('target', s.historyDefault.join(' '))}/>`);
      lines.push(`${p}</history>`);
      return;
    }
    const tag = s.type === 'parallel' ? 'parallel' : s.type === 'final' ? 'final' : 'state';
    const own = bySource.get(s.id) ?? [];
    const delayed = own.filter((t) => t.kind === 'after' && t.delay);
    const body = s.children.length + own.length + s.invoke.length + delayed.length;
    const open = `${p}<${tag}${attr('id', s.id)}${attr('initial', s.initial)}`;
    if (body === 0) {
      lines.push(`${open}/>`);
      return;
    }
    lines.push(`${open}>`);
    const q = `${p}  `;
    const sends = [...new Set(delayed.map((t) => t.eventType))];
    if (sends.length > 0) {
      lines.push(`${q}<onentry>`);
      for (const ev of sends) {
        const d = delayed.find((t) => t.eventType === ev)?.delay;
        const timing =
          d === undefined
            ? ''
            : typeof d.raw === 'number'
              ? attr('delay', `${d.raw}ms`)
              : d.ms !== undefined
                ? attr('delay', `${d.ms}ms`)
                : attr('delayexpr', d.raw);
        lines.push(`${q}  <send${attr('event', ev)}${attr('id', ev)}${timing}/>`);
      }
      lines.push(`${q}</onentry>`, `${q}<onexit>`);
      for (const ev of sends) lines.push(`${q}  <cancel${attr('sendid', ev)}/>`);
      lines.push(`${q}</onexit>`);
    }
    for (const i of s.invoke)
      lines.push(`${q}<invoke type="xstate"${attr('id', i.id)}${attr('src', i.src)}/>`);
    for (const t of own) {
      const target = t.targets.length > 0 ? t.targets.join(' ') : undefined;
      const type = t.reenter ? 'external' : undefined;
      lines.push(
        `${q}<transition${attr('event', t.eventType || undefined)}${attr('cond', t.guard)}${attr('target', target)}${attr('type', type)}/>`,
      );
    }
    for (const c of s.children) emit(tree.get(c), q);
    lines.push(`${p}</${tag}>`);
  };
  lines.push(
    `${pad}<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0"${attr('name', model.id)}${attr('initial', model.id)}>`,
  );
  emit(tree.get(model.id), `${pad}  `);
  lines.push(`${pad}</scxml>`);
  return `${lines.join('\n')}\n`;
}
