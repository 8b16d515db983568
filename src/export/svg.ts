import { instance, type Viz } from '@viz-js/viz';

let viz: Promise<Viz> | undefined;
let sink: string[] = [];

/**
 * Creates the Graphviz instance with its stderr routed to `sink`: the WebAssembly backend binds
 * `console.log`/`console.error` once, when it is created, and Graphviz's router prints notes such
 * as "triangulation failed" there (the edge is still drawn). A diagram export must not write to
 * the terminal, so those lines are collected instead of printed.
 */
function createViz(): Promise<Viz> {
  const { log, error } = console;
  const collect = (...args: unknown[]): void => {
    sink.push(args.map(String).join(' '));
  };
  console.log = collect;
  console.error = collect;
  try {
    return instance();
  } finally {
    console.log = log;
    console.error = error;
  }
}

/** Renders DOT to SVG in-process with Graphviz compiled to WebAssembly (no system binary). */
export async function dotToSvg(dot: string): Promise<string> {
  viz ??= createViz();
  let svg: string;
  try {
    svg = (await viz).renderString(dot, { format: 'svg', engine: 'dot' });
  } catch (err) {
    // The WebAssembly backend throws plain objects, not Errors ("internal error: [object Object]").
    const detail = err instanceof Error ? err.message : (JSON.stringify(err) ?? String(err));
    throw new Error(`Graphviz could not lay out the diagram: ${detail}`);
  } finally {
    sink = [];
  }
  return svg.endsWith('\n') ? svg : `${svg}\n`;
}
