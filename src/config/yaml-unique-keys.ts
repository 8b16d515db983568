/**
 * The `yaml` package's duplicate-key check, in linear time. The package compares each new key
 * with every earlier key of its mapping (quadratic: 6 s for one mapping of 20,000 keys, and a
 * 100,000-service config took minutes), so documents are parsed with `uniqueKeys: false` and
 * checked here with one set per mapping, giving the same errors at the same positions.
 */
import type * as YamlLib from 'yaml';
import type { Document, LineCounter, Node, YAMLMap } from 'yaml';

/** Work left on the walk: a node to look into, or a key to check against its mapping's keys. */
type Step = { node: unknown } | { map: YAMLMap; key: unknown };

/**
 * Parses `text` like `parseDocument(text, { lineCounter, prettyErrors: false })` would, with its
 * `Map keys must be unique` errors, in linear time. A document that also has other errors is
 * parsed again the package's way, so that every error comes in the package's order.
 */
export function parseDocumentUniqueKeys(
  yaml: typeof YamlLib,
  text: string,
  lineCounter: LineCounter,
): Document.Parsed {
  const doc = yaml.parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  const duplicates = duplicateKeys(yaml, doc);
  if (duplicates.length === 0) return doc;
  if (doc.errors.length > 0) {
    lineCounter.lineStarts.length = 0;
    return yaml.parseDocument(text, { lineCounter, prettyErrors: false });
  }
  for (const at of duplicates)
    doc.errors.push(new yaml.YAMLParseError([at, at + 1], 'DUPLICATE_KEY', DUPLICATE));
  return doc;
}

const DUPLICATE = 'Map keys must be unique';

/**
 * Where each repeated key starts, in the order the package reports them: a mapping's pairs in
 * order, each pair's key (and what is inside it) before the check, its value after. Two keys are
 * the same when they are scalars with the same value (`===`: NaN never repeats), as in the package.
 */
function duplicateKeys(yaml: typeof YamlLib, doc: Document.Parsed): number[] {
  const found: number[] = [];
  const keysOf = new Map<YAMLMap, Set<unknown>>();
  const steps: Step[] = [{ node: doc.contents }];
  for (let step = steps.pop(); step !== undefined; step = steps.pop()) {
    if ('map' in step) {
      const key = step.key;
      if (!yaml.isScalar(key) || Number.isNaN(key.value)) continue;
      const keys = keysOf.get(step.map)!;
      if (keys.has(key.value)) found.push((key as Node).range?.[0] ?? 0);
      else keys.add(key.value);
      continue;
    }
    const node = step.node;
    if (yaml.isMap(node)) {
      keysOf.set(node, new Set());
      for (let i = node.items.length - 1; i >= 0; i--) {
        const pair = node.items[i]!;
        steps.push({ node: pair.value }, { map: node, key: pair.key }, { node: pair.key });
      }
    } else if (yaml.isSeq(node)) {
      for (let i = node.items.length - 1; i >= 0; i--) steps.push({ node: node.items[i] });
    } else if (yaml.isPair(node)) {
      steps.push({ node: node.value }, { node: node.key });
    }
  }
  return found;
}
