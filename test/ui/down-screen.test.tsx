import { afterEach, describe, expect, it } from 'vitest';
import type { Fact } from '../../src/record/facts.js';
import type { DownOutput } from '../../src/machines/down/index.js';
import { composeDown } from '../../src/runtime/compose.js';
import { startedFact } from '../../src/runtime/deploy.js';
import { downOutcome } from '../../src/runtime/down.js';
import { renderDown, type DownUi } from '../../src/ui/down/render.js';
import {
  FakeSource,
  exitCodeOf,
  fakeStreams,
  finishedFact,
  keys,
  outline,
  started,
  tick,
  until,
  untilFrame,
  type Mounted,
} from './helpers.js';
import { fakeWorld, plan, service, startRun, type Run } from './run-kit.js';

const screens: DownUi[] = [];
const runs: Array<Run<unknown>> = [];
afterEach(async () => {
  for (const r of runs.splice(0)) await r.end();
  for (const s of screens.splice(0)) await s.close();
});

/** Stop order: web, api, db. */
const services = ['web', 'api', 'db'];

function mountDown(confirm = true): { ui: DownUi; m: Mounted; answers: boolean[] } {
  const { stdout, stdin, streams } = fakeStreams(100, 24);
  const ui = renderDown({
    project: 'shop',
    environment: 'staging',
    services,
    confirm,
    exitCodeOf,
    colors: false,
    ...streams,
  });
  screens.push(ui);
  const answers: boolean[] = [];
  void ui.confirmed.then((a) => answers.push(a));
  return {
    ui,
    answers,
    m: {
      stdout,
      stdin,
      unmount: () => void ui.close(),
      waitUntilExit: () => ui.close(),
      frame: stdout.lastFrame,
    },
  };
}

/** The view source of a running `down` of shop → staging. */
function downRun(): FakeSource {
  const plan = outline([{ name: 'app', services: [...services].reverse() }]);
  return new FakeSource(started(plan, { kind: 'down', command: 'down' }));
}

const down = (
  service: string,
  status: Extract<Fact, { type: 'down.service' }>['status'],
  detail?: string,
): Fact => ({ type: 'down.service', service, status, ...(detail === undefined ? {} : { detail }) });

describe('the down confirmation', () => {
  it('asks before stopping anything, with cancel as the highlighted default', async () => {
    const { m, answers } = mountDown();
    await untilFrame(m, 'Stop every service of shop → staging?');
    expect(m.frame()).toContain('[y] stop all');
    expect(m.frame()).toMatch(/› \[n\] cancel, stop nothing \(default\)/);
    await tick();
    expect(answers).toEqual([]);
  });

  it('y answers yes exactly once, even when pressed twice', async () => {
    const { m, ui, answers } = mountDown();
    await untilFrame(m, '[y] stop all');
    m.stdin.write('y');
    m.stdin.write('y');
    expect(await ui.confirmed).toBe(true);
    await untilFrame(m, 'pending');
    expect(m.frame()).not.toContain('Stop every service');
    await tick();
    expect(answers).toEqual([true]);
  });

  it('n, Enter on the default, q and Ctrl-C each cancel and say nothing was stopped', async () => {
    for (const key of ['n', keys.enter, 'q', keys.ctrlC]) {
      const { m, ui } = mountDown();
      await untilFrame(m, '[y] stop all');
      m.stdin.write(key);
      expect(await ui.confirmed).toBe(false);
      await untilFrame(m, 'nothing stopped');
    }
  });

  it('arrows move the highlight; Enter then stops all', async () => {
    const { m, ui } = mountDown();
    await untilFrame(m, '› [n]');
    m.stdin.write(keys.up);
    await untilFrame(m, '› [y] stop all');
    m.stdin.write(keys.enter);
    expect(await ui.confirmed).toBe(true);
  });

  it('other letters do nothing', async () => {
    const { m, answers } = mountDown();
    await untilFrame(m, '[y] stop all');
    for (const k of ['b', 'a', 'r', 'p']) m.stdin.write(k);
    await tick();
    expect(answers).toEqual([]);
  });
});

describe('the down progress', () => {
  it('with --yes shows no question, then each service stopping, stopped, not running or failed, and the exit code', async () => {
    const { m, ui } = mountDown(false);
    expect(await ui.confirmed).toBe(true);
    await untilFrame(m, 'web');
    expect(m.frame()).not.toContain('Stop every service');
    const source = downRun();
    ui.attach(source);
    source.push(down('web', 'stopping'));
    await untilFrame(m, 'stopping');
    source.pushAll([
      down('web', 'stopped', 'pid 4242'),
      down('api', 'not-running'),
      down('db', 'failed', 'stop command exited 1'),
    ]);
    await untilFrame(m, 'pid 4242');
    source.push(
      finishedFact({
        result: 'rollback-incomplete',
        reason: '1 service(s) not stopped',
        notRestored: [{ name: 'db', reason: 'stop command exited 1' }],
      }),
    );
    await ui.finish();
    expect(m.frame()).toMatch(/web\s+stopped\s+pid 4242/);
    expect(m.frame()).toMatch(/api\s+not running/);
    expect(m.frame()).toMatch(/db\s+FAILED\s+stop command exited 1/);
    expect(m.frame()).toContain('1 stop failed: manual intervention needed · exit code 3');
  });

  it('shows a process started from another folder as left running, and says so at the end', async () => {
    const { m, ui } = mountDown(false);
    const source = downRun();
    ui.attach(source);
    source.pushAll([
      down('web', 'stopped'),
      down('api', 'not-ours', 'pid 77 was started from /srv/shop'),
      down('db', 'stopped'),
    ]);
    source.push(
      finishedFact({
        result: 'succeeded-with-warnings',
        reason:
          '1 service left running, not started from here: api: pid 77 was started from /srv/shop',
        restored: [],
      }),
    );
    await ui.finish();
    await until(() => m.frame().includes('exit code 0'), 'the final line');
    expect(m.frame()).toMatch(/api\s+left running\s+pid 77 was started from \/srv\/shop/);
    expect(m.frame()).toContain(
      '■ stopped what was started here; 1 service left running (started elsewhere) · exit code 0',
    );
    expect(m.frame()).toContain('stagecraft down shop → staging · 3 services');
  });

  it('ends with every service stopped and exit code 0', async () => {
    const { m, ui } = mountDown(false);
    const source = downRun();
    ui.attach(source);
    for (const n of services) source.push(down(n, 'stopped'));
    source.push(finishedFact({ result: 'succeeded', restored: [] }));
    await ui.finish();
    await until(() => m.frame().includes('exit code 0'), 'the final line');
    expect(m.frame()).toContain('■ every service stopped · exit code 0');
  });

  it('shows what the run recorded before the screen attached', async () => {
    const { m, ui } = mountDown(false);
    const source = downRun();
    source.pushAll([down('web', 'stopped', 'pid 7'), down('api', 'stopping')]);
    ui.attach(source);
    await untilFrame(m, 'pid 7');
    expect(m.frame()).toMatch(/api\s+stopping/);
    expect(m.frame()).toMatch(/db\s+pending/);
  });

  it('q and Ctrl-C while stopping send run.interrupt to the running down, one per press', async () => {
    const { m, ui } = mountDown(false);
    const source = downRun();
    ui.attach(source);
    source.push(down('web', 'stopping'));
    await untilFrame(m, 'stopping');
    m.stdin.write('q');
    await tick();
    m.stdin.write(keys.ctrlC);
    await tick();
    expect(source.sent).toEqual([{ type: 'run.interrupt' }, { type: 'run.interrupt' }]);
  });
});

describe('the down screen on the real down statechart', () => {
  it('y stops web and api (processes), then db, whose stop command fails: exit code 3', async () => {
    const { m, ui } = mountDown();
    await untilFrame(m, '[y] stop all');
    m.stdin.write('y');
    expect(await ui.confirmed).toBe(true);
    const p = plan();
    const specs = [
      {
        ...service('web', 'app'),
        kind: 'process' as const,
        process: { run: 'x', cwd: '/tmp', env: {} },
      },
      {
        ...service('api', 'app'),
        kind: 'process' as const,
        process: { run: 'x', cwd: '/tmp', env: {} },
      },
      { ...service('db', 'data'), stop: { run: './stop-db.sh', cwd: '/tmp', env: {} } },
    ];
    const world = fakeWorld({ fail: ['db.stop'] });
    const run = startRun({
      compose: (record) => composeDown(world.effects, record),
      input: { services: specs },
      opening: [startedFact('down', p, 'dep-down', 'down')],
      outcome: (out: DownOutput) => downOutcome(out),
      // The screen is already mounted: the run attaches to it, as `stagecraft down` does.
      mount: (source) => {
        ui.attach(source);
        return { ...m, waitUntilExit: () => ui.finish() };
      },
    });
    runs.push(run);
    const { outcome } = await run.result;
    expect(outcome.result).toBe('rollback-incomplete');
    expect(world.commands).toEqual(['db.stop']);
    expect(m.frame()).toMatch(/web\s+stopped\s+pid 4242/);
    expect(m.frame()).toMatch(/api\s+stopped\s+pid 4242/);
    expect(m.frame()).toMatch(/db\s+FAILED\s+db\.stop exited with code 1/);
    expect(m.frame()).toContain('1 stop failed: manual intervention needed · exit code 3');
  });
});
