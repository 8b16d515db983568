// Preloaded by the scale bench into stagecraft and every Node process it starts (NODE_OPTIONS
// `--import <this file's URL>`): stagecraft's own helper processes — the command runner and log
// relays — are part of the orchestrator's cost, so they are counted with it.
// - In stagecraft itself (BENCH_USAGE_FILE set): its own process.resourceUsage() (this process
//   only) is written there as JSON on exit; its Node children get BENCH_USAGE_HELPERS instead.
// - In a Node child (BENCH_USAGE_HELPERS set): its usage goes to `<BENCH_USAGE_HELPERS>.<pid>.json`.
// An 'exit' listener runs on process.exit() too, which is how these processes end, and must be
// synchronous, hence writeFileSync.
import { writeFileSync } from 'node:fs';

const file = process.env.BENCH_USAGE_FILE;
const helpers = process.env.BENCH_USAGE_HELPERS;
if (file) {
  delete process.env.BENCH_USAGE_FILE;
  process.env.BENCH_USAGE_HELPERS = `${file}.helper`;
  process.on('exit', () => writeFileSync(file, JSON.stringify(process.resourceUsage())));
} else if (helpers) {
  process.on('exit', () =>
    writeFileSync(`${helpers}.${process.pid}.json`, JSON.stringify(process.resourceUsage())),
  );
}
