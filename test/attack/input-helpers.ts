/**
 * What the bad-input generators share: config paths set on data, config-only cases (no `down`
 * afterwards) tried in a few variants each, and readers of what the CLI printed.
 */
import { execFileSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { CaseContext } from './case.js';
import type { Json } from './project.js';

/** The coreutils program, by a variable so it is not taken for a package binary. */
const MKFIFO = 'mkfifo';
export const mkfifo = (path: string): void => void execFileSync(MKFIFO, [path]);

export const CONFIG = 'stagecraft.config.yaml';
export const VALIDATE = ['validate', '--no-prerequisites'];

/** Sets `path` (dot-separated) in `root` to `value`, creating objects on the way. */
export function setPath(root: { [k: string]: Json }, path: string, value: Json): void {
  const keys = path.split('.');
  let at: { [k: string]: Json } = root;
  for (const k of keys.slice(0, -1)) {
    const next = at[k];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) at[k] = {};
    at = at[k] as { [k: string]: Json };
  }
  Object.defineProperty(at, keys.at(-1) ?? 'x', {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/** A config-only case: nothing runs, so no `down` is needed afterwards. */
export function configOnly(ctx: CaseContext, plantVar = true): void {
  ctx.skipDown = true;
  ctx.plantVar = plantVar;
}

/** How many variants a config-only case tries (each in a folder of its own: they are cheap). */
export const VARIANTS = 2;

/** `n` different items of `items`. */
export function pickDistinct<T>(rand: () => number, items: readonly T[], n: number): T[] {
  const pool = [...items];
  const out: T[] = [];
  while (out.length < n && pool.length > 0)
    out.push(...pool.splice(Math.floor(rand() * pool.length), 1));
  return out;
}

/** Runs `body` once per variant, in folders v1, v2, ... of the case folder. */
export async function inVariants<T>(
  ctx: CaseContext,
  variants: T[],
  body: (v: T, sub: string) => Promise<void>,
): Promise<void> {
  for (const [i, v] of variants.entries()) {
    const sub = join(ctx.dir, `v${i + 1}`);
    await mkdir(sub);
    await body(v, sub);
  }
}

/** The first raw control character (C0 but \\n and \\t, DEL, C1) in `text`, if any. */
export function rawControl(text: string): string | undefined {
  for (const c of text) {
    const n = c.charCodeAt(0);
    if ((n < 0x20 && c !== '\n' && c !== '\t') || (n >= 0x7f && n <= 0x9f)) return c;
  }
  return undefined;
}

/** The value of variable `key` in `plan --json`, as an own property; undefined when absent. */
export function planVar(stdout: string, key: string): unknown {
  try {
    const plan = JSON.parse(stdout) as { vars?: object };
    const vars = plan.vars ?? {};
    return Object.hasOwn(vars, key)
      ? (Object.getOwnPropertyDescriptor(vars, key)?.value as { value?: unknown } | undefined)
          ?.value
      : undefined;
  } catch {
    return undefined;
  }
}
