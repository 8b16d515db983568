/**
 * Raw control characters from a config never reach the terminal: the built CLI's output (no TTY,
 * so none of its own colour codes) holds no ESC, CR, BEL or other C0/C1 character in any command,
 * and the Ink screen shows them escaped.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { makeProject, removeProject, runBuilt } from './helpers.js';
import { liveRun, mount, row, unmountAll, untilFrame } from '../ui/helpers.js';

let dir: string | undefined;
afterEach(async () => {
  unmountAll();
  await removeProject(dir);
  dir = undefined;
});

/** C0 except tab and newline, DEL, C1: what must never be printed raw. */
function rawControls(text: string): string[] {
  return [...text].filter((c) => {
    const code = c.charCodeAt(0);
    return (code <= 0x1f && code !== 0x09 && code !== 0x0a) || (code >= 0x7f && code <= 0x9f);
  });
}

// YAML double-quoted escapes: ESC ] (set title) … BEL, CR, CSI 2J (clear screen), C1 CSI, DEL.
const HOSTILE = '\\e]0;owned\\a\\r\\e[2J\\x9b2J\\x7f';
const CONFIG = `name: "shop${HOSTILE}"
vars:
  GREETING: "hi${HOSTILE}"
services:
  db:
    activate: "echo \\"${HOSTILE}\\"; printf '\\\\033[2J\\\\a'"
  api:
    dependsOn: [db]
    activate: "printf 'boom\\\\033[2J\\\\a\\\\r\\\\n' >&2; exit 3"
policy: { onFailure: rollback }
`;

describe('control characters from the config are escaped in everything printed', () => {
  it('plan, validate, deploy, status, history, show and their --json forms print none raw', async () => {
    dir = await makeProject({ 'stagecraft.config.yaml': CONFIG });
    const outputs: Array<[string, string]> = [];
    const run = async (...args: string[]) => {
      const r = await runBuilt(args, { cwd: dir });
      outputs.push([args.join(' '), r.stdout + r.stderr]);
      return r;
    };
    const plan = await run('plan');
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('plan for shop\\u001b]0;owned\\u0007\\u000d\\u001b[2J');
    await run('validate');
    const deploy = await run('deploy', '--yes');
    expect(deploy.code).not.toBe(0);
    await run('deploy', '--yes', '--json');
    await run('status');
    await run('status', '--json');
    const history = await run('history', '--json');
    await run('history');
    const id = (JSON.parse(history.stdout) as { deployments: Array<{ id: string }> }).deployments[0]
      ?.id;
    expect(id).toBeDefined();
    await run('show', id!);
    const shown = await run('show', id!, '--json');
    expect(() => JSON.parse(shown.stdout) as unknown).not.toThrow();
    await run('graph', '--format', 'mermaid');
    for (const [command, text] of outputs) expect(rawControls(text), command).toEqual([]);
  });

  it('a config error quoting a hostile value prints it escaped', async () => {
    dir = await makeProject({
      'stagecraft.config.yaml': `config:\n  rules:\n    PORT: { type: port }\nvars:\n  PORT: "80\\e[2J\\a"\nservices:\n  a: { activate: "true" }\n  "b\\e[2J": { activate: "true" }\n`,
    });
    const r = await runBuilt(['validate'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('\\u001b[2J');
    expect(rawControls(r.stdout + r.stderr)).toEqual([]);
  });
});

describe('the Ink screen', () => {
  it('shows a reason and a warning holding control characters escaped', async () => {
    const hostile = 'x\u001b[2J\u0007\r\u009by';
    const m = mount(
      liveRun([row('db', 'healthy'), row('api', 'unhealthy', { reason: `503 ${hostile}` })], {
        warnings: [`careful ${hostile}`],
      }),
    );
    await untilFrame(m, 'careful');
    const frame = m.frame();
    expect(frame).toContain('careful x\\u001b[2J\\u0007\\u000d\\u009by');
    expect(frame).not.toContain('\u001b[2J');
    expect(frame).not.toContain('\u0007');
    expect(frame).not.toContain('\u009b');
  });
});
