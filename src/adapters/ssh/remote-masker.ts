/**
 * The host-side masker of a remote `process` service: the service's output reaches its log on
 * the host through it, so a secret the service prints is never written there unmasked (the log
 * relay does the same for local services). It runs in the service's session, gets the values
 * in its environment (never on a command line, never on disk) and replaces them with the one
 * mask of core/mask.ts.
 */
import { MASK, type Masker } from '../../core/mask.js';

/**
 * The host-side masker of a service's output: an exact-string replacer (index/substr, no regular
 * expressions), line by line, each line flushed as it is written. The values, longest first, and
 * the mask come from its environment (see {@link maskerEnv}); bytes are compared as bytes.
 */
const MASK_AWK = `BEGIN {
  n = ENVIRON["STAGECRAFT_MASK_N"] + 0
  tok = ENVIRON["STAGECRAFT_MASK_TOKEN"]
  for (i = 1; i <= n; i++) sec[i] = ENVIRON["STAGECRAFT_MASK_" i]
}
{
  t = $0
  for (i = 1; i <= n; i++) {
    s = sec[i]
    out = ""
    while ((j = index(t, s)) > 0) {
      out = out substr(t, 1, j - 1) tok
      t = substr(t, j + length(s))
    }
    t = out t
  }
  print t
  fflush()
}`;

/** Sets `a` to the awk to run: mawk reads a pipe in blocks unless interactive (a log would lag). */
const AWK_CHOICE = `a=awk; case "$(awk -W version 2>&1)" in *mawk*) a='awk -W interactive';; esac;`;

/**
 * The environment of the host-side masker: the values the masker masks (a value over several
 * lines also line by line, since the masker sees one line at a time), longest first, and the
 * mask token of {@link MASK}.
 */
export function maskerEnv(mask: Masker | undefined): Record<string, string> {
  const values = new Set<string>();
  for (const v of mask?.values ?? []) {
    if (!v.includes('\n')) values.add(v);
    else for (const line of v.split('\n')) if (line.length >= MIN_PIECE) values.add(line);
  }
  const sorted = [...values].sort((a, b) => Buffer.byteLength(b) - Buffer.byteLength(a));
  const env: Record<string, string> = {
    STAGECRAFT_MASK_N: String(sorted.length),
    STAGECRAFT_MASK_TOKEN: MASK,
  };
  sorted.forEach((v, i) => (env[`STAGECRAFT_MASK_${i + 1}`] = v));
  return env;
}

/** A line of a multi-line secret shorter than this is not masked alone (as Masker's minimum). */
const MIN_PIECE = 3;

const quote = (v: string): string => `'${v.replace(/'/g, `'\\''`)}'`;

/**
 * The shell line that runs `exec` (a command line, already quoted) with its output through the
 * masker, the masker's variables `names` unset for the service. Both share the session, so one
 * group kill stops both; the masker ignores TERM, to mask and write what the service prints
 * while it stops, and ends when the service's output does.
 */
export function maskedRunner(exec: string, names: string[]): string {
  return `( unset ${names.join(' ')}; exec ${exec} ) 2>&1 | { trap '' TERM INT HUP; LC_ALL=C; export LC_ALL; ${AWK_CHOICE} exec $a ${quote(MASK_AWK)}; }`;
}
