/**
 * The small programs stagecraft runs beside itself (the command runner, the log relay): how to
 * start one with this Node — the built `.js` beside this file, or the `.ts` through tsx when
 * running from the sources (tests).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The node arguments that run program `name` (`exec-runner`, `log-relay`). */
export function programArgs(name: string): string[] {
  const built = fileURLToPath(new URL(`./${name}.js`, import.meta.url));
  if (existsSync(built)) return [built];
  const tsx = createRequire(import.meta.url).resolve('tsx');
  return [
    '--import',
    pathToFileURL(tsx).href,
    fileURLToPath(new URL(`./${name}.ts`, import.meta.url)),
  ];
}
