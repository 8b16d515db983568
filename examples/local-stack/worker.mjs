/* global setInterval, clearInterval */
// A background worker: writes a heartbeat file every 200 ms; `worker-check.mjs` is its health.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const file = process.env.HEARTBEAT_FILE ?? '.stagecraft/worker.heartbeat';
mkdirSync(dirname(file), { recursive: true });
const beat = () => writeFileSync(file, `${Date.now()}\n`);
beat();
const timer = setInterval(beat, 200);
process.stdout.write(`worker started, heartbeat in ${file}\n`);
const stop = () => {
  clearInterval(timer);
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
