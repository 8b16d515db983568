/**
 * A yes/no question on the terminal, for the commands that ask before they change anything
 * without a screen of their own (`down --plain`, `rollback`). The default is no.
 */
import { createInterface } from 'node:readline/promises';
import { escapeControls } from '../core/control-chars.js';

/** Asks `question [y/N]` on stdin; true only for y or yes. `output` is where the question goes. */
export async function confirm(
  question: string,
  output: NodeJS.WritableStream = process.stdout,
): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output });
  // A terminal that hangs up ends stdin and fails to leave raw mode (EIO): no answer, so no.
  rl.on('error', () => undefined);
  const closed = new Promise<string>((resolve) => rl.once('close', () => resolve('')));
  try {
    // The question names the project and services: never raw control characters.
    const answer = await Promise.race([
      rl.question(`${escapeControls(question)} [y/N] `).catch(() => ''),
      closed,
    ]);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
