import { afterEach, describe, expect, it } from 'vitest';
import { renderDown, type DownUi } from '../../src/ui/render-down.js';
import { FakeStdin, FakeStdout, keys, tick, until, untilFrame, type Mounted } from './helpers.js';

const screens: DownUi[] = [];
afterEach(async () => {
  for (const s of screens.splice(0)) await s.close();
});

function mountDown(confirm = true): { ui: DownUi; m: Mounted; answers: boolean[] } {
  const stdout = new FakeStdout(100, 24);
  const stdin = new FakeStdin();
  const ui = renderDown({
    project: 'shop',
    environment: 'staging',
    services: ['web', 'api', 'db'],
    confirm,
    colors: false,
    debug: true,
    stdout: stdout as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    stderr: new FakeStdout() as unknown as NodeJS.WriteStream,
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
    const { m, ui } = mountDown();
    await untilFrame(m, '[y] stop all');
    m.stdin.write('y');
    m.stdin.write('y');
    expect(await ui.confirmed).toBe(true);
    await untilFrame(m, 'pending');
    expect(m.frame()).not.toContain('Stop every service');
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
    ui.update('web', 'stopping');
    await untilFrame(m, 'stopping');
    ui.update('web', 'stopped', 'pid 4242');
    ui.update('api', 'not-running');
    ui.update('db', 'failed', 'stop command exited 1');
    await untilFrame(m, 'pid 4242');
    await ui.finish(3, ['db: stop command exited 1']);
    expect(m.frame()).toMatch(/web\s+stopped\s+pid 4242/);
    expect(m.frame()).toMatch(/api\s+not running/);
    expect(m.frame()).toMatch(/db\s+FAILED\s+stop command exited 1/);
    expect(m.frame()).toContain('1 stop(s) failed: manual intervention needed · exit code 3');
  });

  it('ends with every service stopped and exit code 0', async () => {
    const { m, ui } = mountDown(false);
    for (const n of ['web', 'api', 'db']) ui.update(n, 'stopped');
    await ui.finish(0, []);
    await until(() => m.frame().includes('exit code 0'), 'the final line');
    expect(m.frame()).toContain('■ every service stopped · exit code 0');
  });
});
