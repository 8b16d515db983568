// Regenerates the path pictures of the README from the built CLI (`npm run docs` runs it after
// write-docs.mjs):
// - docs/diagrams/what-if-api-health.svg and .txt: `plan --fail api --when health` of
//   examples/local-stack, with an empty state folder (so the rollback target is the assumed one
//   and the picture does not depend on what was deployed here). Deterministic.
// - docs/diagrams/show-rolled-back.svg: `show <id> --format svg` of a real deployment of a small
//   project in a temporary folder whose api fails its health check and is rolled back. Its notes
//   carry the times of that run, so it differs on every regeneration.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const bin = join(root, 'bin', 'stagecraft.js');
const out = join(root, 'docs', 'diagrams');

function cli(args, cwd) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8' });
  if (r.status !== 0 && !(args[0] === 'deploy' && r.status === 1))
    throw new Error(`stagecraft ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

const tmp = mkdtempSync(join(tmpdir(), 'stagecraft-path-docs-'));
try {
  const whatIf = ['plan', '-c', 'examples/local-stack', '--fail', 'api', '--when', 'health'];
  const emptyState = ['--state-dir', join(tmp, 'empty-state')];
  writeFileSync(join(out, 'what-if-api-health.txt'), cli([...whatIf, ...emptyState], root));
  cli([...whatIf, ...emptyState, '-o', join(out, 'what-if-api-health.svg')], root);

  writeFileSync(
    join(tmp, 'stagecraft.config.yaml'),
    [
      'name: shop',
      "vars: { RELEASE: '2026.12.03' }",
      'services:',
      '  db:',
      "    activate: 'true'",
      "    rollback: 'true'",
      '  api:',
      '    dependsOn: [db]',
      "    activate: 'rm -f ready'",
      // The release rolled back to is healthy again.
      "    rollback: 'touch ready'",
      "    health: { command: 'test -f ready', interval: 1s, timeout: 1s, retries: 2 }",
      '',
    ].join('\n'),
  );
  const state = join(tmp, 'state');
  cli(['deploy', '--yes', '--plain', '--state-dir', state], tmp);
  const [id] = readdirSync(join(state, 'deployments'));
  cli(['show', id, '--state-dir', state, '-o', join(out, 'show-rolled-back.svg')], tmp);
  process.stdout.write(
    ['what-if-api-health.txt', 'what-if-api-health.svg', 'show-rolled-back.svg']
      .map((f) => join(out, f))
      .join('\n') + '\n',
  );
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
