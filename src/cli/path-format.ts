/** The output formats of a drawn path (`plan --fail`, `show <id>`), and how state ids read. */
import { extname } from 'node:path';
import { usageError } from '../core/errors.js';

/** The formats of a path; text is the default. */
export type PathFormat = 'text' | 'svg' | 'html';

/** `--format`, else the extension of `-o` (.svg, .html), else text. */
export function pathFormat(opts: { format?: string; output?: string }): PathFormat {
  const formats: PathFormat[] = ['text', 'svg', 'html'];
  if (opts.format !== undefined) {
    const f = formats.find((x) => x === opts.format);
    if (f === undefined)
      throw usageError(`--format must be one of ${formats.join(', ')} (got "${opts.format}")`);
    return f;
  }
  const ext = opts.output === undefined ? '' : extname(opts.output).toLowerCase();
  return ext === '.svg' ? 'svg' : ext === '.html' || ext === '.htm' ? 'html' : 'text';
}

/** `deployment.activating.running` → `activating.running`. */
export const shortState = (id: string): string => id.replace(/^deployment\./, '');
