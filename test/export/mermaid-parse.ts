import { JSDOM } from 'jsdom';

/** The slice of mermaid's API the tests use. */
interface MermaidLike {
  initialize(config: Record<string, unknown>): void;
  parse(text: string): Promise<unknown>;
  mermaidAPI: { getDiagramFromText(text: string): Promise<{ db: unknown }> };
}

let loaded: Promise<MermaidLike> | undefined;

/**
 * Loads the real mermaid library under a jsdom window (mermaid needs `window`, `document`,
 * `Element`... even to parse; DOMPurify checks them).
 */
async function loadMermaid(): Promise<MermaidLike> {
  const dom = new JSDOM('<!doctype html><html><body></body></html>', { pretendToBeVisual: true });
  const g = globalThis as Record<string, unknown>;
  const w = dom.window;
  g.window = w;
  for (const k of [
    'document',
    'Element',
    'HTMLElement',
    'SVGElement',
    'Node',
    'DOMParser',
    'DocumentFragment',
    'NodeFilter',
  ])
    g[k] = w[k];
  const mod = (await import('mermaid')) as unknown as { default: MermaidLike };
  mod.default.initialize({ startOnLoad: false, securityLevel: 'strict' });
  return mod.default;
}

/**
 * Parses Mermaid text with the real parser; for state diagrams also runs the extraction step a
 * render runs (it rejects e.g. descriptions on composite states). Rejects on any error.
 */
export async function mermaidCheck(text: string): Promise<void> {
  loaded ??= loadMermaid();
  const mermaid = await loaded;
  await mermaid.parse(text);
  const diagram = await mermaid.mermaidAPI.getDiagramFromText(text);
  const db = diagram.db as { extract?: (doc: unknown) => void; getRootDocV2?: () => unknown };
  if (db.extract && db.getRootDocV2) db.extract(db.getRootDocV2());
}
