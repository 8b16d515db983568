/**
 * A small self-contained HTML page for one path: its title, the pictures (inline SVG) and the
 * path as a list. No script, no stylesheet or font from the network: it opens from a file.
 */
import { xmlEscape } from './tree.js';

/** What a path page shows. */
export interface PathPage {
  title: string;
  /** Inline SVG documents, in order (an XML declaration or DOCTYPE is dropped). */
  svgs: string[];
  /** The path, one item per line. */
  items: string[];
}

const inline = (svg: string): string =>
  svg
    .replace(/<\?xml[^>]*\?>\s*/, '')
    .replace(/<!DOCTYPE[^>]*>\s*/, '')
    .trim();

/** Renders the page. */
export function pathPage(p: PathPage): string {
  const title = xmlEscape(p.title);
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<title>${title}</title>`,
    '<style>body{font-family:Helvetica,Arial,sans-serif;margin:1.5rem;color:#1f2937}' +
      'figure{margin:1rem 0;overflow:auto}svg{max-width:100%;height:auto}' +
      'ol{font-family:ui-monospace,monospace;font-size:13px;line-height:1.5}</style>',
    '</head>',
    '<body>',
    `<h1>${title}</h1>`,
    ...p.svgs.map((s) => `<figure>\n${inline(s)}\n</figure>`),
    '<h2>Path</h2>',
    '<ol>',
    ...p.items.map((i) => `<li>${xmlEscape(i)}</li>`),
    '</ol>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
