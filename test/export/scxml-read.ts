import { XMLParser } from 'fast-xml-parser';

/** What a test reads back from an SCXML document. */
export interface ScxmlRead {
  name: string;
  initial: string;
  states: Array<{ id: string; tag: string }>;
  /** Transitions of states (not history defaults), with their parent state's id. */
  transitions: Array<{ source: string; eventType: string; targets: string[]; cond?: string }>;
  invokes: Array<{ state: string; id: string; src: string }>;
}

type El = Record<string, unknown>;
const stateTags = ['state', 'parallel', 'final', 'history'];
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  isArray: (name) =>
    [...stateTags, 'transition', 'invoke', 'send', 'cancel', 'scxml'].includes(name),
});

/** Parses SCXML text (throws on malformed XML) into its states and transitions. */
export function readScxml(xml: string): ScxmlRead[] {
  const doc = parser.parse(xml, true) as El;
  const root = (doc.machines as El | undefined) ?? doc;
  return (root.scxml as El[]).map((sc) => {
    const out: ScxmlRead = {
      name: String(sc['@_name']),
      initial: String(sc['@_initial']),
      states: [],
      transitions: [],
      invokes: [],
    };
    const walk = (el: El): void => {
      for (const tag of stateTags) {
        for (const child of (el[tag] as El[] | undefined) ?? []) {
          const id = String(child['@_id']);
          out.states.push({ id, tag });
          if (tag !== 'history') {
            for (const t of (child.transition as El[] | undefined) ?? []) {
              const target = t['@_target'] as string | undefined;
              const cond = t['@_cond'] as string | undefined;
              out.transitions.push({
                source: id,
                eventType: (t['@_event'] as string | undefined) ?? '',
                targets: target ? target.split(' ') : [],
                ...(cond ? { cond } : {}),
              });
            }
            for (const i of (child.invoke as El[] | undefined) ?? [])
              out.invokes.push({ state: id, id: String(i['@_id']), src: String(i['@_src']) });
          }
          walk(child);
        }
      }
    };
    walk(sc);
    return out;
  });
}
