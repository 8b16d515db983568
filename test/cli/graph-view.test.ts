/**
 * `stagecraft graph --machine NAME --format svg --depth N / --state PATH` on the built CLI: an
 * overview with deeper states collapsed, one region drawn alone, and clear usage errors (exit 2,
 * one line) for a bad depth, an unknown state path (listing the valid ones) and a wrong format.
 */
import { describe, expect, test } from 'vitest';
import { geometryViolations, readGeometry } from '../export/svg-geometry.js';
import { hasStackTrace, runBuilt } from './helpers.js';

const svg = ['graph', '--machine', 'deployment', '--format', 'svg'];

describe('stagecraft graph --depth and --state', () => {
  test('--depth 1 draws the top-level states only, the nested ones counted in their box', async () => {
    const r = await runBuilt([...svg, '--depth', '1']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const { rects, texts } = readGeometry(r.stdout);
    const states = rects.map((x) => x.state);
    expect(states).toContain('deployment.finalizing');
    expect(states).not.toContain('deployment.finalizing.watching');
    expect(texts.map((t) => t.text)).toContain('+ 2 states');
    expect(geometryViolations(r.stdout)).toEqual([]);
  });

  test('--state finalizing draws that region alone, its exits as stubs', async () => {
    const r = await runBuilt([...svg, '--state', 'finalizing']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const states = readGeometry(r.stdout).rects.map((x) => x.state);
    expect(states.filter((s) => !s.startsWith('exit:'))).toEqual([
      'deployment.finalizing',
      'deployment.finalizing.watching',
      'deployment.finalizing.recording',
    ]);
    expect(states).toContain('exit:deployment.done');
    expect(geometryViolations(r.stdout)).toEqual([]);
  });

  test.each([
    [['--depth', '0'], 'stagecraft: --depth must be a whole number from 1 (got "0")\n'],
    [['--depth', 'two'], 'stagecraft: --depth must be a whole number from 1 (got "two")\n'],
    [
      ['--state', 'nowhere'],
      'stagecraft: --state nowhere: deployment has no such state with nested states; one of preparing, preparing.cleaningUp, activating, activating.running, verifying, finalizing\n',
    ],
  ])('%j is a usage error that says what is allowed', async (args, message) => {
    const r = await runBuilt([...svg, ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(message);
    expect(hasStackTrace(r.stderr)).toBe(false);
    expect(r.stdout).toBe('');
  });

  test('--depth with a format other than SVG, or with --machine all, is a usage error', async () => {
    const mermaid = await runBuilt(['graph', '--machine', 'deployment', '--depth', '1']);
    expect(mermaid.code).toBe(2);
    expect(mermaid.stderr).toBe(
      'stagecraft: --depth and --state draw an SVG: pass --format svg (got mermaid)\n',
    );
    const all = await runBuilt(['graph', '--machine', 'all', '--format', 'svg', '--depth', '1']);
    expect(all.code).toBe(2);
    expect(all.stderr).toBe(
      'stagecraft: --depth and --state draw one statechart: pass --machine <name>, not --plan or all\n',
    );
  });
});
