import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, test } from 'vitest';
import { stopCommandRunner } from '../../../src/adapters/exec.js';
import { deliver } from '../../../src/adapters/notify/deliver.js';
import type { AttemptReport } from '../../../src/adapters/notify/deliver.js';
import type { NotifyTargetSpec } from '../../../src/config/plan-monitoring.js';
import type { CommandSpec } from '../../../src/config/plan-types.js';
import { Masker } from '../../../src/core/mask.js';
import { readOr, tempDir, until } from '../effect-helpers.js';
import { failedEvent } from './recorder.js';

let dir: string;
let remove: () => Promise<void>;
beforeEach(async () => {
  ({ dir, remove } = await tempDir());
});
afterEach(async () => {
  await remove();
});
afterAll(async () => {
  await stopCommandRunner();
});

const target = (run: CommandSpec['run'], extra: Partial<NotifyTargetSpec> = {}): NotifyTargetSpec =>
  ({
    name: 'pager',
    kind: 'command',
    command: { run, cwd: dir, env: {} },
    on: ['failed'],
    timeoutMs: 5000,
    retries: 0,
    ...extra,
  }) as NotifyTargetSpec;

/** The state letter of a process (`Z` or absent: it is gone; init here does not reap). */
async function gone(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return stat === '' || stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
}

describe('the command target', () => {
  test('gets the event JSON on stdin, the event name and the variables in its environment', async () => {
    const event = failedEvent();
    const outcome = await deliver(
      target('cat > event.json; printf "%s %s" "$STAGECRAFT_NOTIFY_EVENT" "$TEAM" > env.txt'),
      event,
      { env: {}, commandEnv: { TEAM: 'web' } },
    );
    expect(outcome).toMatchObject({ status: 'sent', attempts: 1, detail: 'exit 0' });
    expect(JSON.parse(await readFile(join(dir, 'event.json'), 'utf8'))).toEqual({
      version: 1,
      ...event,
    });
    expect(await readFile(join(dir, 'env.txt'), 'utf8')).toBe('failed web');
  });

  test('an argv command runs with no shell and reads the same JSON', async () => {
    const outcome = await deliver(
      target([
        process.execPath,
        '-e',
        'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{require("fs").writeFileSync("argv.json",s)})',
      ]),
      failedEvent({ event: 'succeeded', result: 'succeeded' }),
      { env: {} },
    );
    expect(outcome.status).toBe('sent');
    const body = JSON.parse(await readFile(join(dir, 'argv.json'), 'utf8')) as { event: string };
    expect(body.event).toBe('succeeded');
  });

  test('a failing command is retried; its last output line is the detail, masked', async () => {
    const reports: AttemptReport[] = [];
    const outcome = await deliver(
      target('cat > /dev/null; echo "no route to pager for $TOKEN" >&2; exit 3', { retries: 1 }),
      failedEvent(),
      {
        env: {},
        commandEnv: { TOKEN: 'tok-secret-99' },
        mask: new Masker(['tok-secret-99']),
        backoffMs: 10,
        onAttempt: (r) => reports.push(r),
      },
    );
    expect(outcome).toMatchObject({
      status: 'failed',
      attempts: 2,
      detail: 'exit 3: no route to pager for •••••• (after 2 attempts)',
    });
    expect(reports.map((r) => r.status)).toEqual(['retrying', 'failed']);
    expect(JSON.stringify([outcome, reports])).not.toContain('tok-secret-99');
  });

  test('a command past its timeout is killed with what it started', async () => {
    const pidFile = join(dir, 'pid');
    const outcome = await deliver(
      target(`sleep 30 & echo $! > ${pidFile}; wait`, { timeoutMs: 300 }),
      failedEvent(),
      { env: {} },
    );
    expect(outcome).toMatchObject({ status: 'failed', detail: 'timeout after 300 ms' });
    const pid = Number(await until('the pid file', () => readOr(pidFile)));
    expect(await until('the sleep to be gone', () => gone(pid))).toBe(true);
  });
});
