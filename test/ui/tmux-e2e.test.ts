/**
 * End to end in a real terminal: the built CLI (`npm run build` first) inside tmux, read with
 * capture-pane. UPDATE_CAPTURES=1 also writes the screens to docs/captures/*.txt.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Terminal,
  bin,
  copyExample,
  copyProject,
  freePort,
  readJournal,
  removeDir,
  root,
  runIds,
} from './tmux-kit.js';

const run = promisify(execFile);
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function capture(name: string, text: string): Promise<void> {
  if (process.env['UPDATE_CAPTURES'] !== '1') return;
  await mkdir(join(root, 'docs', 'captures'), { recursive: true });
  const clean = text
    .replace(/^Pane is dead.*$/m, '')
    .replace(/[ \t]+$/gm, '')
    .replace(/\n+$/, '\n');
  await writeFile(join(root, 'docs', 'captures', `${name}.txt`), clean);
}

/** Start `deploy` of a copied example in tmux; `down` and cleanup are registered for afterEach. */
async function deploy(
  example: string,
  ports: string[],
  extra: string,
  edit?: (c: string) => string,
) {
  const dir = await copyExample(example, edit);
  const vars: string[] = [];
  for (const p of ports) vars.push(`--var ${p}=${await freePort()}`);
  const config = join(dir, 'stagecraft.config.yaml');
  const term = new Terminal(
    dir,
    `node ${bin} deploy -c ${config} -e local ${vars.join(' ')} ${extra}`,
  );
  cleanups.push(() => removeDir(dir));
  cleanups.push(async () => {
    // stop whatever process services the run left running (a successful deploy leaves them up)
    await run(
      'node',
      [bin, 'down', '-c', config, '-e', 'local', '--yes', ...vars.flatMap((v) => v.split(' '))],
      { cwd: dir },
    ).catch(() => undefined);
  });
  cleanups.push(() => term.kill());
  return { term, dir };
}

/** The facts of the one run recorded in `dir`. */
async function theJournal(dir: string) {
  const [id, ...more] = await runIds(dir);
  expect(more).toEqual([]);
  if (id === undefined) throw new Error('no run recorded');
  return { id, facts: await readJournal(dir, id) };
}

describe('the copies the terminal tests run in', () => {
  it('leave out the state folder of the project they copy', async () => {
    const project = await mkdtemp(join(tmpdir(), 'stagecraft-project-'));
    cleanups.push(() => removeDir(project));
    await mkdir(join(project, '.stagecraft', 'processes'), { recursive: true });
    await mkdir(join(project, 'config'));
    await writeFile(join(project, '.stagecraft', 'processes', 'local.json'), '{"services":{}}');
    await writeFile(join(project, 'config', 'local.yaml'), 'a: 1\n');
    await writeFile(join(project, 'stagecraft.config.yaml'), 'name: x\n');
    const copy = await copyProject(project, (c) => `${c}# edited\n`);
    cleanups.push(() => removeDir(copy));
    expect(existsSync(join(copy, 'config', 'local.yaml'))).toBe(true);
    expect(existsSync(join(copy, '.stagecraft'))).toBe(false);
    expect(await readFile(join(copy, 'stagecraft.config.yaml'), 'utf8')).toBe(
      'name: x\n# edited\n',
    );
  });
});

// Each test runs the CLI several times and waits up to a minute for a screen: more than the default.
describe('the Ink UI in a real terminal (tmux)', { timeout: 120_000 }, () => {
  it('failing-stack: shows the failure prompt, b rolls back, the final screen and exit code 1', async () => {
    // The prompt needs policy `ask` (without a terminal the example acts as `rollback`).
    const { term, dir } = await deploy('failing-stack', ['DB_PORT', 'API_PORT'], '', (c) => {
      expect(c).toMatch(/onFailure: (ask|rollback)/);
      return c.replace(/onFailure: rollback/, 'onFailure: ask');
    });
    const prompt = await term.waitFor('[b] roll back');
    expect(prompt).toContain('Failure: api');
    expect(prompt).toMatch(/default roll back in \d+s/);
    await capture('prompt', prompt);
    term.keys('b');
    const final = await term.waitFor('exit code 1');
    expect(final).toContain('✖ deployment failed');
    expect(final).toMatch(/restored: .*db/);
    expect(await term.exitCode()).toBe(1);
    await capture('final-failed', term.history());

    // The journal: one fact per line, opened by run.started and closed by run.closed.
    const { id, facts } = await theJournal(dir);
    // (a path longer than the line wraps, whole: its pieces read as one once the breaks go)
    expect(final.replace(/\s*\n\s*/g, '')).toContain(
      `journal:${dir}/.stagecraft/deployments/${id}/journal.jsonl`,
    );
    expect(facts[0]).toMatchObject({ type: 'run.started', kind: 'deploy', deploymentId: id });
    expect(facts.map((f) => f.seq)).toEqual(facts.map((_, i) => i + 1));
    expect(facts.every((f) => typeof f.ts === 'number')).toBe(true);
    expect(facts).toContainEqual(
      expect.objectContaining({ type: 'service.state', service: 'api', state: 'unhealthy' }),
    );
    const taken = facts.filter((f) => f.type === 'decision.taken');
    expect(taken).toEqual([
      expect.objectContaining({ kind: 'failure', subject: 'api', choice: 'rollback' }),
    ]);
    expect(taken[0]?.['by']).not.toMatch(/^(timeout|policy)$/);
    expect(facts.findLast((f) => f.type === 'deployment.finished')).toMatchObject({
      result: 'failed',
      interrupted: false,
    });
    expect(facts.at(-1)).toMatchObject({ type: 'run.closed', status: 'failed' });
  });

  it('local-stack --step: each stage is confirmed with p and the deployment succeeds', async () => {
    const { term, dir } = await deploy(
      'local-stack',
      ['DB_PORT', 'API_PORT', 'WEB_PORT'],
      '--step',
    );
    for (const stage of ['data', 'app', 'edge']) {
      await term.waitFor(`Confirm stage ${stage}`);
      if (stage === 'app') await capture('live-view', term.screen());
      term.keys('p');
    }
    const final = await term.waitFor(/exit code 0\s*$/m, 60_000);
    expect(final).toMatch(/deployment succeeded/);
    expect(await term.exitCode()).toBe(0);
    const history = term.history();
    await capture('final-succeeded', history);
    // each finished stage is printed once above the live region
    for (const stage of ['data', 'app', 'edge'])
      expect(history.split(`✔ stage ${stage} succeeded`).length - 1).toBe(1);

    const { facts } = await theJournal(dir);
    expect(
      facts.filter((f) => f.type === 'decision.taken').map((f) => [f['subject'], f['choice']]),
    ).toEqual([
      ['data', 'proceed'],
      ['app', 'proceed'],
      ['edge', 'proceed'],
    ]);
    expect(facts.at(-1)).toMatchObject({ type: 'run.closed', status: 'succeeded' });
  });

  it('Ctrl-C during activation shows the interruption prompt; rolling back then exits 130', async () => {
    const { term, dir } = await deploy('local-stack', ['DB_PORT', 'API_PORT', 'WEB_PORT'], '');
    await term.waitFor(/stage (data|app) \(\d\/3\) running/);
    term.keys('C-c');
    const prompt = await term.waitFor('Interrupted');
    expect(prompt).toContain('[b] roll back (default)');
    expect(prompt).toContain('[a] abort');
    await capture('interrupted', prompt);
    term.keys('b');
    await term.waitFor('exit code 130', 60_000);
    expect(await term.exitCode()).toBe(130);

    const { facts } = await theJournal(dir);
    expect(facts).toContainEqual(expect.objectContaining({ type: 'interrupted', count: 1 }));
    expect(facts.filter((f) => f.type === 'decision.taken')).toEqual([
      expect.objectContaining({ kind: 'interrupted', choice: 'rollback' }),
    ]);
    expect(facts.findLast((f) => f.type === 'deployment.finished')).toMatchObject({
      result: 'failed',
      interrupted: true,
    });
  });
});
