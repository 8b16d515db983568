/**
 * Maps a config path to a line and column in the file it came from, through the `yaml`
 * package's node ranges (JSON parses as YAML too, so JSON configs get positions as well).
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Node } from 'yaml';

/** A 1-based position. */
export interface Position {
  line: number;
  column: number;
}

/** Finds config paths in one file's text. */
export interface Locator {
  /** Position of the entry at `path` (its key in a mapping), or of the nearest ancestor found. */
  locate(path: readonly PropertyKey[]): Position | undefined;
}

const none: Locator = { locate: () => undefined };

/**
 * A locator for `text`; `prefix` is prepended to every path (for `package.json#stagecraft`).
 * Never throws: text that does not parse locates nothing.
 */
export function createLocator(text: string, prefix: readonly PropertyKey[] = []): Locator {
  let doc;
  const lineCounter = new LineCounter();
  try {
    doc = parseDocument(text, { lineCounter, uniqueKeys: false });
  } catch {
    return none;
  }
  if (doc.errors.length > 0 || doc.contents === null) return none;
  const root = doc.contents as Node;
  const at = (offset: number): Position => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  return {
    locate(path) {
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
