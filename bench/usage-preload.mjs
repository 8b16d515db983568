// Preloaded by the scale bench (`node --import <this file's URL> bin/stagecraft.js ...`): when
// BENCH_USAGE_FILE is set, the process's own resource usage (process.resourceUsage(): this
// process only, not its children) is written there as JSON on exit. An 'exit' listener runs on
// process.exit() too, which is how stagecraft ends, and must be synchronous, hence writeFileSync.
import { writeFileSync } from 'node:fs';

const file = process.env.BENCH_USAGE_FILE;
if (file) {
  // Children (activation commands, a Node log relay) must not inherit it and overwrite the file.
  delete process.env.BENCH_USAGE_FILE;
  process.on('exit', () => {
    writeFileSync(file, JSON.stringify(process.resourceUsage()));
  });
}
