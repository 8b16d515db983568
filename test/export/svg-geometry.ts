import { textBox, type TextBox } from '../../src/export/text-measure.js';

/** A `<text>` of a statechart SVG with the box the layout's measure gives it. */
export interface SvgText {
  text: string;
  box: TextBox;
}

/** A state box (`<rect class="state">`). */
export interface SvgRect {
  state: string;
  box: TextBox;
}

/**
 * Helvetica's advance widths (as Liberation Sans, its metric twin, draws them), U+0020..U+007E in
 * thousandths of an em: Graphviz names Helvetica in the plan SVG, so its texts are measured so.
 */
const HELVETICA = [
  278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
  556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667,
  611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
  667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500,
  222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];

function helveticaWidth(text: string, size: number): number {
  let units = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    units +=
      code >= 32 && code < 127 ? (HELVETICA[code - 32] ?? 1000) : ch === '\u00b7' ? 278 : 1000;
  }
  return (units * size) / 1000;
}

const attr = (tag: string, name: string): string | undefined =>
  new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1];

const num = (tag: string, name: string): number => {
  const v = attr(tag, name);
  if (v === undefined) throw new Error(`${tag.slice(0, 60)}… has no ${name}`);
  return Number(v);
};

/** Reverses the XML escapes the SVG writer uses. */
function unescapeXml(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)))
    .replace(/&amp;/g, '&');
}

/** Every text (with its computed box) and every state box of an SVG, in document order. */
export function readGeometry(svg: string): { texts: SvgText[]; rects: SvgRect[] } {
  // Graphviz's SVG (the plan) shifts everything by one translate on its top group.
  const shift = /<g id="graph0"[^>]*translate\(([-\d.]+) ([-\d.]+)\)/.exec(svg);
  const dx = Number(shift?.[1] ?? 0);
  const dy = Number(shift?.[2] ?? 0);
  const texts = [...svg.matchAll(/<text\b([^>]*)>([^<]*)<\/text>/g)].map((m) => {
    const tag = m[1] ?? '';
    const text = unescapeXml(m[2] ?? '');
    const box = textBox(
      num(tag, 'x') + dx,
      num(tag, 'y') + dy,
      text,
      num(tag, 'font-size'),
      attr(tag, 'font-weight') === 'bold',
    );
    if (attr(tag, 'font-family')?.startsWith('Helvetica'))
      box.width = helveticaWidth(text, num(tag, 'font-size'));
    const anchor = attr(tag, 'text-anchor');
    if (anchor === 'middle') box.x -= box.width / 2;
    if (anchor === 'end') box.x -= box.width;
    return { text, box };
  });
  const rects = [...svg.matchAll(/<rect\b([^>]*)\/?>/g)]
    .map((m) => m[1] ?? '')
    .filter((tag) => attr(tag, 'class') === 'state')
    .map((tag) => ({
      state: unescapeXml(attr(tag, 'data-state') ?? ''),
      box: {
        x: num(tag, 'x'),
        y: num(tag, 'y'),
        width: num(tag, 'width'),
        height: num(tag, 'height'),
      },
    }));
  return { texts, rects };
}

/** Whether two boxes share any area (touching edges do not count). */
function intersects(a: TextBox, b: TextBox): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

const inside = (a: TextBox, b: TextBox): boolean =>
  a.x >= b.x && a.y >= b.y && a.x + a.width <= b.x + b.width && a.y + a.height <= b.y + b.height;

/**
 * The readability rules, as violations: no two texts' boxes intersect, and every text is either
 * wholly inside or wholly outside every state box (no label crosses a border).
 */
export function geometryViolations(svg: string): string[] {
  const { texts, rects } = readGeometry(svg);
  return boxViolations(texts, rects);
}

/** The same rules over given boxes (e.g. the ones a browser measured). */
export function boxViolations(texts: readonly SvgText[], rects: readonly SvgRect[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < texts.length; i++) {
    const a = texts[i];
    if (!a) continue;
    for (let j = i + 1; j < texts.length; j++) {
      const b = texts[j];
      if (b && intersects(a.box, b.box)) out.push(`"${a.text}" overlaps "${b.text}"`);
    }
    for (const r of rects)
      if (intersects(a.box, r.box) && !inside(a.box, r.box))
        out.push(`"${a.text}" crosses the border of ${r.state}`);
  }
  return out;
}
