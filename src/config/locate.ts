/**
 * Maps a config path to a line and column in the file it came from, through the `yaml`
 * package's node ranges (JSON parses as YAML too, so JSON configs get positions as well).
 */
import { createRequire } from 'node:module';
import type * as YamlLib from 'yaml';
import type { Node } from 'yaml';

/** The `yaml` package, loaded only to locate a problem (it is large for a cold start). */
const yaml = (): typeof YamlLib => createRequire(import.meta.url)('yaml') as typeof YamlLib;

/** A 1-based position. */
interface Position {
  line: number;
  column: number;
}

/** Finds config paths in one file's text. */
export interface Locator {
  /** Position of the entry at `path` (its key in a mapping), or of the nearest ancestor found. */
  locate(path: readonly PropertyKey[]): Position | undefined;
}

/**
 * A locator for `text`; `prefix` is prepended to every path (for `package.json#stagecraft`).
 * Never throws: text that does not parse locates nothing.
 */
export function createLocator(text: string, prefix: readonly PropertyKey[] = []): Locator {
  // Parsed on the first lookup only: a valid config never pays for a second parse.
  let parsed: { root: Node; at: (offset: number) => Position } | null | undefined;
  const load = (): typeof parsed => {
    if (parsed !== undefined) return parsed;
    parsed = null;
    const { LineCounter, parseDocument } = yaml();
    const lineCounter = new LineCounter();
    let doc;
    try {
      doc = parseDocument(text, { lineCounter, uniqueKeys: false });
    } catch {
      return parsed;
    }
    if (doc.errors.length > 0 || doc.contents === null) return parsed;
    parsed = {
      root: doc.contents as Node,
      at: (offset) => {
        const p = lineCounter.linePos(offset);
        return { line: p.line, column: p.col };
      },
    };
    return parsed;
  };
  return {
    locate(path) {
      const doc = load();
      if (!doc) return undefined;
      const { root, at } = doc;
      const { isMap, isScalar, isSeq } = yaml();
      let node: unknown = root;
      let best: Position | undefined = root.range ? at(root.range[0]) : undefined;
      for (const key of [...prefix, ...path]) {
        if (isMap(node)) {
          const pair = node.items.find(
            (p) => isScalar(p.key) && String(p.key.value) === String(key),
          );
          if (!pair) break;
          const keyNode = pair.key as Node;
          if (keyNode.range) best = at(keyNode.range[0]);
          node = pair.value;
        } else if (isSeq(node) && typeof key === 'number') {
          const item = node.items[key] as Node | undefined;
          if (!item) break;
          if (item.range) best = at(item.range[0]);
          node = item;
        } else break;
      }
      return best;
    },
  };
}
