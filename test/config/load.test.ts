import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { formatConfigError } from '../../src/config/errors.js';
import { loadConfig } from '../../src/config/load.js';
import { configError, ONE_SERVICE, project } from './helpers.js';

const fixtures = path.resolve(import.meta.dirname, '../fixtures/config');

describe('finding and reading the config file', () => {
  test('finds stagecraft.config.yaml in the working directory', async () => {
    const dir = await project({ 'stagecraft.config.yaml': `name: shop\n${ONE_SERVICE}` });
    const loaded = await loadConfig({ cwd: dir });
    expect(loaded.filePath).toBe(path.join(dir, 'stagecraft.config.yaml'));
    expect(loaded.dir).toBe(dir);
    expect(loaded.config.name).toBe('shop');
    expect(loaded.text).toContain('name: shop');
  });

  test('reads JSON configs', async () => {
    const dir = await project({
      'stagecraft.config.json': JSON.stringify({
        name: 'j',
        services: { a: { activate: 'true' } },
      }),
    });
    expect((await loadConfig({ cwd: dir })).config.services.a?.activate).toBe('true');
  });

  test('reads .mjs configs through import', async () => {
    const dir = await project({
      'stagecraft.config.mjs':
        'export default { name: "m", services: { a: { process: ["node", "x.js"] } } };\n',
    });
    expect((await loadConfig({ cwd: dir })).config.services.a?.process).toEqual(['node', 'x.js']);
  });

  test('reads .ts configs that import other .ts files, without writing temp files', async () => {
    const dir = await project({
      'stagecraft.config.ts':
        'import { port } from "./port.js";\nexport default { name: "t", vars: { PORT: port }, services: { a: { activate: "true" } } };\n',
      'port.ts': 'export const port: number = 8080;\n',
    });
    const loaded = await loadConfig({ cwd: dir });
    expect(loaded.config.vars).toEqual({ PORT: '8080' });
    const { readdir } = await import('node:fs/promises');
    expect((await readdir(dir)).sort()).toEqual(['port.ts', 'stagecraft.config.ts']);
  });

  test('reads the stagecraft key of package.json', async () => {
    const dir = await project({
      'package.json': JSON.stringify({
        name: 'pkg',
        stagecraft: { name: 'p', services: { a: { activate: 'true' } } },
      }),
    });
    const loaded = await loadConfig({ cwd: dir });
    expect(loaded.config.name).toBe('p');
    expect(loaded.filePath).toBe(path.join(dir, 'package.json'));
  });

  test('reports schema errors in package.json at their line inside the stagecraft key', async () => {
    const dir = await project({
      'package.json': '{\n  "name": "pkg",\n  "stagecraft": {\n    "servces": {}\n  }\n}\n',
    });
    const err = await configError(loadConfig({ cwd: dir }));
    expect(err.issues[0]).toMatchObject({
      path: 'servces',
      line: 4,
      column: 5,
      hint: 'did you mean "services"?',
    });
  });

  test('-c accepts a file, or a directory to search in', async () => {
    const dir = await project({
      'deploy/prod.yaml': ONE_SERVICE,
      'other/.stagecraftrc.yml': ONE_SERVICE,
    });
    expect((await loadConfig({ cwd: dir, configPath: 'deploy/prod.yaml' })).filePath).toBe(
      path.join(dir, 'deploy/prod.yaml'),
    );
    expect((await loadConfig({ cwd: dir, configPath: 'other' })).filePath).toBe(
      path.join(dir, 'other/.stagecraftrc.yml'),
    );
  });

  test('loads the full example fixture (every key)', async () => {
    const loaded = await loadConfig({ cwd: path.join(fixtures, 'full') });
    expect(Object.keys(loaded.config.services)).toEqual(['db', 'api']);
  });

  test('no config found names the folder and says to pass -c', async () => {
    const dir = await project({});
    const err = await configError(loadConfig({ cwd: dir }));
    expect(formatConfigError(err)).toContain(`no stagecraft config found in ${dir}`);
    expect(err.issues[0]?.hint).toBe('pass -c PATH');
  });

  test('a missing -c file and an unsupported file type are config errors', async () => {
    const dir = await project({ 'x.toml': 'a = 1' });
    expect(
      (await configError(loadConfig({ cwd: dir, configPath: 'nope.yaml' }))).issues[0]?.message,
    ).toMatch(/config file not found/);
    expect(
      (await configError(loadConfig({ cwd: dir, configPath: 'x.toml' }))).issues[0]?.message,
    ).toMatch(/unsupported config file type/);
  });

  test('an empty file says the config file is empty', async () => {
    for (const text of ['', '  \n', '# only a comment\n']) {
      const dir = await project({ 'stagecraft.config.yaml': text });
      expect((await configError(loadConfig({ cwd: dir }))).issues[0]?.message).toBe(
        'config file is empty',
      );
    }
  });

  test('a YAML syntax error reports its line and column', async () => {
    const dir = await project({
      'stagecraft.config.yaml': 'name: shop\nservices:\n  api:\n    activate: x\n    activate: y\n',
    });
    const issue = (await configError(loadConfig({ cwd: dir }))).issues[0];
    expect(issue).toMatchObject({
      file: path.join(dir, 'stagecraft.config.yaml'),
      line: 5,
      column: 5,
    });
    expect(issue?.message).toMatch(/^YAML syntax error/);
  });

  test('a JSON syntax error reports its line and column', async () => {
    const dir = await project({
      'stagecraft.config.json': '{\n  "name": "x",\n  "services": {,}\n}\n',
    });
    const issue = (await configError(loadConfig({ cwd: dir }))).issues[0];
    expect(issue).toMatchObject({ line: 3, column: 16 });
    expect(issue?.message).toMatch(/^JSON syntax error/);
  });

  test('weird input is a clear error, never a crash', async () => {
    const cases: Array<[string, RegExp]> = [
      ['~\n', /empty/],
      ['- a\n- b\n', /must be a mapping of keys, found a list/],
      ['just text\n', /must be a mapping of keys, found a string/],
      ['['.repeat(50_000), /YAML syntax error/],
      [
        'services:\n  api:\n    activate: "true"\n    ? [x, y]\n    : 1\n',
        /4:7: YAML: a key must be a name/,
      ],
      ['a: &a [1]\nb: [*a, *a]\n'.repeat(1), /unknown key "a"/],
    ];
    for (const [text, expected] of cases) {
      const dir = await project({ 'stagecraft.config.yaml': text });
      const err = await configError(loadConfig({ cwd: dir }));
      expect(formatConfigError(err)).toMatch(expected);
      expect(formatConfigError(err)).not.toMatch(/\n\s+at /);
    }
  });

  test('a .ts config that throws is a config error naming the file', async () => {
    const dir = await project({
      'stagecraft.config.ts': 'throw new Error("boom");\nexport default {};\n',
    });
    const issue = (await configError(loadConfig({ cwd: dir }))).issues[0];
    expect(issue?.file).toBe(path.join(dir, 'stagecraft.config.ts'));
    expect(issue?.message).toMatch(/cannot load config file: boom/);
  });
});
