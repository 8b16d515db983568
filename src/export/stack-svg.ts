/**
 * Several SVG pictures stacked into one SVG document, top to bottom (the plan above the
 * statechart), each kept as a nested `<svg>` with its own viewBox.
 */

const num = (svg: string, attr: string): number => {
  const m = new RegExp(`<svg[^>]*\\s${attr}="([0-9.]+)(pt|px)?"`).exec(svg);
  return m?.[1] === undefined ? 0 : Number(m[1]);
};

const body = (svg: string): string => svg.replace(/^[\s\S]*?(<svg[\s>])/, '$1').trim();

/** One SVG holding `svgs` one below the other, `gap` units apart. */
export function stackSvgs(svgs: readonly string[], gap = 24): string {
  let y = 0;
  let width = 0;
  const parts: string[] = [];
  for (const svg of svgs) {
    const w = num(svg, 'width');
    const h = num(svg, 'height');
    // User units of the outer picture are points: the nested sizes lose their `pt`.
    const nested = body(svg)
      .replace(/^<svg([^>]*?)\swidth="[^"]*"/, '<svg$1')
      .replace(/^<svg([^>]*?)\sheight="[^"]*"/, '<svg$1')
      .replace(/^<svg/, `<svg x="0" y="${y}" width="${w}" height="${h}"`);
    parts.push(nested);
    y += h + gap;
    width = Math.max(width, w);
  }
  const height = Math.max(0, y - gap);
  return [
    '<?xml version="1.0" encoding="UTF-8" standalone="no"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${width}pt" height="${height}pt" viewBox="0 0 ${width} ${height}">`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}
