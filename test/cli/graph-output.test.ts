/**
 * `stagecraft graph -o FILE` on the built CLI: the format follows the file's extension unless
 * `--format` says otherwise, a file it cannot tell the format of or cannot write is a usage error
 * (exit 2, one line, no stack trace), and `--json` means `--format json`.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { hasStackTrace, runBuilt } from './helpers.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stagecraft-graph-o-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const plan = ['graph', '--plan', '-c', 'examples/local-stack'];

describe('stagecraft graph -o', () => {
  test('-o into a folder that does not exist exits 2 naming the folder, without a stack trace', async () => {
    const target = join(dir, 'missing', 'plan.mmd');
    const r = await runBuilt([...plan, '-o', target]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `stagecraft: cannot write ${target}: the folder ${join(dir, 'missing')} does not exist: create it first\n`,
    );
    expect(r.stderr).not.toContain('internal error');
    expect(hasStackTrace(r.stderr)).toBe(false);
    expect(r.stdout).toBe('');
  });

  test('the format follows the extension: .svg writes SVG, .dot DOT, .scxml SCXML, .json JSON, .mmd Mermaid', async () => {
    const expected: Array<[string, RegExp]> = [
      ['plan.svg', /^<\?xml[^>]*>\s*<!DOCTYPE svg[^]*<svg /],
      ['plan.dot', /^digraph /],
      ['plan.scxml', /^<\?xml[^>]*>\s*<scxml/],
      ['plan.json', /^\{/],
      ['plan.mmd', /^---\ntitle: "local-stack · local"\n---\nflowchart /],
    ];
    for (const [name, start] of expected) {
      const r = await runBuilt([...plan, '-o', join(dir, name)]);
      expect([name, r.code, r.stderr]).toEqual([name, 0, '']);
      expect(await readFile(join(dir, name), 'utf8')).toMatch(start);
    }
  });

  test('--format wins over the extension', async () => {
    const r = await runBuilt([...plan, '--format', 'dot', '-o', join(dir, 'plan.svg')]);
    expect(r.code).toBe(0);
    expect(await readFile(join(dir, 'plan.svg'), 'utf8')).toMatch(/^digraph /);
  });

  test('an extension it does not know, without --format, is a usage error that lists the choices', async () => {
    const r = await runBuilt([...plan, '-o', join(dir, 'plan.png')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('cannot tell the format from the extension ".png"');
    expect(r.stderr).toContain('pass --format (mermaid, dot, svg, scxml, json, html)');
    expect(existsSync(join(dir, 'plan.png'))).toBe(false);
  });

  test('--json is --format json; combined with another --format it is a usage error', async () => {
    const json = await runBuilt(['graph', '--machine', 'down', '--json']);
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout) as { id?: string };
    expect(parsed.id).toBe('down');
    const both = await runBuilt(['graph', '--machine', 'down', '--json', '--format', 'dot']);
    expect(both.code).toBe(2);
    expect(both.stderr).toBe(
      'stagecraft: --json means --format json: it cannot be combined with --format dot\n',
    );
  });

  test('.html writes the review page; it holds what --plan and --machine pick, both when neither is given', async () => {
    const page = async (args: string[]): Promise<{ plan: boolean; machines: string[] }> => {
      const file = join(dir, 'page.html');
      await rm(file, { force: true });
      const r = await runBuilt([...args, '-o', file]);
      expect([args.join(' '), r.code, r.stderr]).toEqual([args.join(' '), 0, '']);
      const html = await readFile(file, 'utf8');
      expect(html).toMatch(/^<!DOCTYPE html>\n/);
      return {
        plan: html.includes('<section class="plan"'),
        machines: [...html.matchAll(/<section class="machine" [^>]*data-machine="([^"]+)"/g)].map(
          (m) => m[1] ?? '',
        ),
      };
    };
    const all = await page(['graph', '-c', 'examples/local-stack']);
    expect(all.plan).toBe(true);
    expect(all.machines).toHaveLength(10);
    expect(all.machines.slice(0, 2)).toEqual(['deployment', 'stage']);
    expect(await page([...plan, '--format', 'html'])).toEqual({ plan: true, machines: [] });
    expect(await page(['graph', '--machine', 'health', '--format', 'html'])).toEqual({
      plan: false,
      machines: ['health'],
    });
    expect(await page([...plan, '--machine', 'down'])).toEqual({ plan: true, machines: ['down'] });
  });

  test('a diagram format other than html with neither --machine nor --plan is a usage error saying what html takes', async () => {
    const r = await runBuilt(['graph', '--format', 'svg']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'stagecraft: pass exactly one of --machine <name|all> or --plan (only --format html takes both, or neither for the plan and every statechart)\n',
    );
  });

  test('without -o and --format the output is still Mermaid on stdout', async () => {
    const r = await runBuilt(['graph', '--machine', 'down']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^---\ntitle: "down"\n---\nstateDiagram-v2/);
  });
});
