// Health command of the worker: exit 0 when its heartbeat is younger than 2 s.
import { readFileSync } from 'node:fs';

const file = process.env.HEARTBEAT_FILE ?? '.stagecraft/worker.heartbeat';
try {
  const age = Date.now() - Number(readFileSync(file, 'utf8'));
  process.exit(age < 2000 ? 0 : 1);
} catch {
  process.exit(1);
}
