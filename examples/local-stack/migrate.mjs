// A one-shot migration (`activate`): records the release in a marker file; `down` undoes it
// (the service's `rollback`). MIGRATIONS_DIR defaults to .stagecraft/migrations.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.MIGRATIONS_DIR ?? '.stagecraft/migrations';
const marker = join(dir, `${process.env.RELEASE ?? 'dev'}.done`);
if (process.argv[2] === 'down') {
  rmSync(marker, { force: true });
  process.stdout.write(`migration rolled back: removed ${marker}\n`);
} else {
  mkdirSync(dir, { recursive: true });
  writeFileSync(marker, `${new Date().toISOString()}\n`);
  process.stdout.write(`migration applied: ${marker}\n`);
}
