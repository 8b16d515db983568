/**
 * A deterministic text measure for the SVG diagrams: advance widths of DejaVu Sans (the font the
 * SVGs name first; Verdana, its usual stand-in, has nearly the same metrics), per printable ASCII
 * character, in thousandths of an em. Layout sizes every box and label from it, and the geometry
 * tests check the SVGs with it, so a browser rendering the same font draws the text where the
 * layout reserved room for it.
 */

/** The font family every diagram text uses. */
export const FONT_FAMILY = "'DejaVu Sans', Verdana, sans-serif";

/** Above the baseline, as a fraction of the font size (DejaVu Sans, as a browser's getBBox reports it). */
const ASCENT = 0.93;
/** Below the baseline, as a fraction of the font size. */
const DESCENT = 0.24;

// Widths for U+0020..U+007E, regular and bold.
const REGULAR = [
  318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337, 636, 636, 636,
  636, 636, 636, 636, 636, 636, 636, 337, 337, 838, 838, 838, 531, 1000, 684, 686, 698, 770, 632,
  575, 775, 752, 295, 295, 656, 557, 863, 748, 787, 603, 787, 695, 635, 611, 732, 684, 989, 685,
  611, 685, 390, 337, 390, 838, 500, 500, 613, 635, 550, 635, 615, 352, 635, 634, 278, 278, 579,
  278, 974, 634, 612, 635, 635, 411, 521, 392, 634, 592, 818, 592, 592, 525, 636, 337, 636, 838,
];
const BOLD = [
  348, 456, 521, 838, 696, 1002, 872, 306, 457, 457, 523, 838, 380, 415, 380, 365, 696, 696, 696,
  696, 696, 696, 696, 696, 696, 696, 400, 400, 838, 838, 838, 580, 1000, 774, 762, 734, 830, 683,
  683, 821, 837, 372, 372, 775, 637, 995, 837, 850, 733, 850, 770, 720, 682, 812, 774, 1103, 771,
  724, 725, 457, 365, 457, 838, 500, 500, 675, 716, 593, 716, 678, 435, 716, 712, 343, 343, 665,
  343, 1042, 712, 687, 716, 716, 493, 595, 478, 712, 652, 924, 645, 652, 582, 712, 365, 712, 838,
];
/** The few non-ASCII characters the diagrams write: middle dot, arrow, en dash, times. */
const EXTRA: Record<string, [number, number]> = {
  '\u00b7': [318, 380],
  '\u2192': [838, 838],
  '\u2013': [500, 500],
  '\u00d7': [838, 838],
};
/** Any other character outside ASCII is counted as wide as an `M`, so the measure errs on the roomy side. */
const WIDE = 1000;

/** The width in pixels of `text` at `size` px. */
export function textWidth(text: string, size: number, bold = false): number {
  const table = bold ? BOLD : REGULAR;
  let units = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    units +=
      code >= 32 && code < 127 ? (table[code - 32] ?? WIDE) : (EXTRA[ch]?.[bold ? 1 : 0] ?? WIDE);
  }
  return (units * size) / 1000;
}

/** A text's box. */
export interface TextBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The box a left-anchored text drawn with its baseline at (x, y) covers. */
export function textBox(x: number, y: number, text: string, size: number, bold = false): TextBox {
  return {
    x,
    y: y - ASCENT * size,
    width: textWidth(text, size, bold),
    height: (ASCENT + DESCENT) * size,
  };
}

/** How far below a line's top its baseline sits. */
export function baselineOffset(size: number): number {
  return ASCENT * size;
}
