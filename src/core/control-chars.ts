/**
 * Control characters never reach a terminal raw: a service name, description, command or value
 * holding ESC, CR, BEL or another C0/C1 character could move the cursor, rewrite earlier lines,
 * set the window title or hide text. Every printer goes through {@link escapeControls}: the CLI's
 * output sinks (cli/io.ts), its prompts and the Ink screens' views.
 */

/** C0 except tab and newline, DEL, C1. */
function isControl(code: number): boolean {
  return (code <= 0x1f && code !== 0x09 && code !== 0x0a) || (code >= 0x7f && code <= 0x9f);
}

const char = (code: number): string => String.fromCharCode(code);
/** The same set as a regular expression (built from codes: V8 scans with it far faster than a loop). */
const ANY_CONTROL = new RegExp(
  `[${char(0)}-${char(8)}${char(0x0b)}-${char(0x1f)}${char(0x7f)}-${char(0x9f)}]`,
);

/** The end (exclusive) of a colour sequence `ESC [ digits/; m` starting at `i`, or -1. */
function sgrEnd(text: string, i: number): number {
  if (text.charCodeAt(i + 1) !== 0x5b /* [ */) return -1;
  for (let j = i + 2; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === 0x6d /* m */) return j + 1;
    if (!((c >= 0x30 && c <= 0x39) || c === 0x3b)) return -1;
  }
  return -1;
}

/**
 * `text` with every control character except tab and newline written as `\uXXXX` (`\u001b` for
 * ESC: readable, and still valid inside a JSON string). With `keepColour`, colour sequences
 * (`ESC [ … m`) are left whole: only on a colour terminal, where the line reporter colours; a
 * config's own colour codes then show as colours, never as cursor moves or titles.
 */
export function escapeControls(text: string, keepColour = false): string {
  if (!ANY_CONTROL.test(text)) return text;
  let out = '';
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (!isControl(code)) continue;
    const end = keepColour && code === 0x1b ? sgrEnd(text, i) : -1;
    if (end > 0) {
      i = end - 1;
      continue;
    }
    out += `${text.slice(from, i)}\\u${code.toString(16).padStart(4, '0')}`;
    from = i + 1;
  }
  return out + text.slice(from);
}

/**
 * Plain data with every string escaped by {@link escapeControls}; the same object when nothing
 * needed it (a view rendered 30 times a second is copied only when it holds a control character).
 * Recursive to a bounded depth (views are shallow); keys are left alone (they are looked up).
 */
export function escapeControlsDeep<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return escapeControls(value) as T;
  if (typeof value !== 'object' || value === null || depth > 32) return value;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      const e = escapeControlsDeep(v, depth + 1);
      if (e !== v) (out ??= [...(value as unknown[])])[i] = e;
    }
    return (out ?? value) as T;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const record = value as Record<string, unknown>;
  let out: Record<string, unknown> | undefined;
  for (const k of Object.keys(record)) {
    const v = record[k];
    if (typeof v !== 'string' && (typeof v !== 'object' || v === null)) continue;
    const e = escapeControlsDeep(v, depth + 1);
    if (e !== v) (out ??= { ...record })[k] = e;
  }
  return (out ?? value) as T;
}
