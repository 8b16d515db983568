/**
 * Keys are data: names that Object.prototype also has (`toString`, `constructor`,
 * `hasOwnProperty`, `valueOf`) are ordinary names end to end, and `__proto__`, which a JavaScript
 * object cannot hold as data, is refused with its position — never dropped, never a crash.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hasStackTrace, makeProject, removeProject, runBuilt } from './helpers.js';

let dir: string | undefined;
afterEach(async () => {
  await removeProject(dir);
  dir = undefined;
});

const PROTO_NAMES = `name: keys
vars:
  toString: "from-vars"
  constructor: "c"
  hasOwnProperty: "12"
environments:
  default:
    vars:
      valueOf: "from-env"
config:
  rules:
    hasOwnProperty: { type: int }
    constructor: { enum: ["c"] }
    toLocaleString: { type: port }
services:
  writer:
    activate: 'printf "%s|%s|%s|%s|%s" "$toString" "$constructor" "$hasOwnProperty" "$valueOf" "$isPrototypeOf" > out.txt'
`;

describe('prototype names are ordinary data', () => {
  it('plan shows variables named like Object.prototype members, with their sources', async () => {
    dir = await makeProject({ 'stagecraft.config.yaml': PROTO_NAMES });
    const r = await runBuilt(['plan', '--var', 'isPrototypeOf=cli'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /toString\s+= "from-vars"\s+from stagecraft\.config\.yaml vars\.toString/,
    );
    expect(r.stdout).toMatch(/constructor\s+= "c"/);
    expect(r.stdout).toMatch(/hasOwnProperty\s+= "12"/);
    expect(r.stdout).toMatch(
      /valueOf\s+= "from-env"\s+from .*environments\.default\.vars\.valueOf/,
    );
    expect(r.stdout).toMatch(/isPrototypeOf\s+= "cli"\s+from cli --var isPrototypeOf/);
  });

  it('deploy gives commands every such variable', async () => {
    dir = await makeProject({ 'stagecraft.config.yaml': PROTO_NAMES });
    const r = await runBuilt(['deploy', '--yes', '--var', 'isPrototypeOf=cli'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(await readFile(join(dir, 'out.txt'), 'utf8')).toBe('from-vars|c|12|from-env|cli');
  });

  it('a rule for a variable named like a prototype member that is not set says so (no crash)', async () => {
    dir = await makeProject({
      'stagecraft.config.yaml': `config:\n  rules:\n    isPrototypeOf: { required: true }\n    toLocaleString: { type: port }\nservices: { a: { activate: "true" } }\n`,
    });
    for (const command of ['validate', 'plan']) {
      const r = await runBuilt([command], { cwd: dir });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(
        'stagecraft.config.yaml:3:5 config.rules.isPrototypeOf: required variable isPrototypeOf is not set',
      );
      expect(r.stderr).not.toContain('internal error');
      expect(r.stderr).not.toContain('toLocaleString');
    }
  });

  it('a secret named toString that the operator did not set is shown as NOT SET', async () => {
    dir = await makeProject({
      'stagecraft.config.yaml': `secrets: [toString]\nservices: { a: { activate: "true" } }\n`,
    });
    const r = await runBuilt(['plan'], { cwd: dir });
    expect(r.stdout).toMatch(
      /toString\s+= \S+\s+secret, from the operator's environment \(NOT SET\)/,
    );
  });
});

describe('__proto__ is refused where it would vanish', () => {
  it('refuses __proto__ as a key of vars, environment vars, rules and services, each with its position', async () => {
    dir = await makeProject({
      'stagecraft.config.yaml': `vars:\n  __proto__: "x"\nenvironments:\n  default:\n    vars:\n      __proto__: "y"\nconfig:\n  rules:\n    __proto__: { required: true }\nservices:\n  __proto__: { activate: "true" }\n  a: { activate: "true" }\n`,
    });
    const r = await runBuilt(['validate'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(hasStackTrace(r.stderr)).toBe(false);
    const cannot = '"__proto__" cannot be used as a name';
    expect(r.stderr).toContain(`stagecraft.config.yaml:2:3 vars.__proto__: ${cannot}`);
    expect(r.stderr).toContain(
      `stagecraft.config.yaml:6:7 environments.default.vars.__proto__: ${cannot}`,
    );
    expect(r.stderr).toContain(`stagecraft.config.yaml:9:5 config.rules.__proto__: ${cannot}`);
    expect(r.stderr).toContain(`stagecraft.config.yaml:11:3 services.__proto__: ${cannot}`);
  });

  it('refuses __proto__ in JSON and in a config.files variables file', async () => {
    dir = await makeProject({
      'stagecraft.config.json':
        '{ "vars": { "__proto__": "x" }, "services": { "a": { "activate": "true" } } }',
      'other.yaml': 'config: { files: [vars.yaml] }\nservices: { a: { activate: "true" } }\n',
      'vars.yaml': 'OK: 1\n__proto__: 2\n',
    });
    const json = await runBuilt(['validate'], { cwd: dir });
    expect(json.code).toBe(2);
    expect(json.stderr).toContain(
      'stagecraft.config.json:1:13 vars.__proto__: "__proto__" cannot be used',
    );
    const files = await runBuilt(['plan', '-c', 'other.yaml'], { cwd: dir });
    expect(files.code).toBe(2);
    expect(files.stderr).toContain(
      'vars.yaml:2:1 __proto__: "__proto__": "__proto__" cannot be used',
    );
  });

  it('refuses --var __proto__=x as a usage error instead of dropping it', async () => {
    dir = await makeProject({
      'stagecraft.config.yaml': 'services: { a: { activate: "true" } }\n',
    });
    const r = await runBuilt(['plan', '--var', '__proto__=x'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('"__proto__" cannot be used as a variable name');
  });
});
