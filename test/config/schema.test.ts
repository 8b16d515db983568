import { describe, expect, test } from 'vitest';
import { configJsonSchema } from '../../src/config/json-schema.js';
import { configSchema } from '../../src/config/schema.js';
import { parseDuration, parseSize } from '../../src/config/units.js';
import { errorOf, ONE_SERVICE } from './helpers.js';

describe('the config schema', () => {
  test('applies defaults: service timeout 2m, probe timing, stage timeout 10m, policy', () => {
    const c = configSchema.parse({
      services: { api: { activate: 'true', health: { tcp: '127.0.0.1:1' } } },
      stages: [{ name: 's', services: ['api'] }],
    });
    expect(c.services.api?.timeout).toBe(120_000);
    expect(c.services.api?.health).toMatchObject({
      interval: 1000,
      timeout: 2000,
      retries: 3,
      successThreshold: 1,
      startPeriod: 0,
    });
    expect(c.stages?.[0]).toMatchObject({
      parallel: true,
      confirm: false,
      timeout: 600_000,
      verify: [],
    });
    expect(c.policy).toEqual({
      onFailure: 'ask',
      degraded: 'continue',
      retries: 0,
      decisionTimeout: 900_000,
    });
    expect(c.prerequisites.security).toEqual({ secrets: [], files: [] });
  });

  test('parses durations to ms and sizes to bytes', () => {
    expect([
      parseDuration('250ms'),
      parseDuration('2s'),
      parseDuration('5m'),
      parseDuration('1h'),
    ]).toEqual([250, 2000, 300_000, 3_600_000]);
    expect([parseSize('512MiB'), parseSize('2GiB'), parseSize('1000')]).toEqual([
      512 * 1024 ** 2,
      2 * 1024 ** 3,
      1000,
    ]);
    const c = configSchema.parse({
      prerequisites: { hardware: { memory: '1GiB', disk: [{ path: '.', free: 4096 }] } },
    });
    expect(c.prerequisites.hardware).toEqual({
      memory: 1024 ** 3,
      disk: [{ path: '.', free: 4096 }],
    });
  });

  test('accepts the three command forms', () => {
    const c = configSchema.parse({
      prepare: [
        { name: 'a', run: 'echo hi' },
        { name: 'b', run: ['echo', 'hi'] },
        { name: 'c', run: { run: 'echo', cwd: 'sub', env: { N: 1 }, timeout: '5s' } },
      ],
    });
    expect(c.prepare[2]?.run).toEqual({ run: 'echo', cwd: 'sub', env: { N: '1' }, timeout: 5000 });
  });

  test('an unknown key gets a did-you-mean and the line of the key', async () => {
    const err = await errorOf(
      'services:\n  db:\n    process: x\n  api:\n    activate: y\n    dependOn: [db]\n',
    );
    expect(err.issues).toEqual([
      expect.objectContaining({
        path: 'services.api.dependOn',
        line: 6,
        column: 5,
        hint: 'did you mean "dependsOn"?',
        message: 'unknown key "dependOn"',
      }),
    ]);
  });

  test('collects every schema issue, each with its path and line', async () => {
    const err = await errorOf(
      [
        'services:',
        '  api:',
        '    activate: x',
        '    timeout: soon',
        '    health:',
        '      http: { url: "http://x", methd: GET }',
        'policy:',
        '  onFailure: rollbak',
        '',
      ].join('\n'),
    );
    expect(err.issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          path: 'services.api.timeout',
          line: 4,
          message: 'expected a duration like 250ms, 2s, 5m or 1h',
        }),
        expect.objectContaining({
          path: 'services.api.health.http.methd',
          line: 6,
          hint: 'did you mean "method"?',
        }),
        expect.objectContaining({
          path: 'policy.onFailure',
          line: 8,
          hint: 'did you mean "rollback"?',
        }),
      ]),
    );
    expect(err.issues).toHaveLength(3);
  });

  test('a service with neither or both of activate and process is an error', async () => {
    const neither = await errorOf('services:\n  api:\n    dependsOn: []\n');
    expect(neither.issues[0]).toMatchObject({
      path: 'services.api',
      message: 'a service needs exactly one of activate, process',
    });
    const both = await errorOf('services:\n  api:\n    activate: x\n    process: y\n');
    expect(both.issues[0]?.path).toBe('services.api');
  });

  test('a probe needs exactly one kind, and bad regexes and ranges are caught', async () => {
    const err = await errorOf(
      `${ONE_SERVICE}    health: { interval: 1s }\n    readiness: [{ http: { url: "http://x", body: "/(/" } }]\nprerequisites:\n  software: [{ name: r, command: r, version: "not a range" }]\n`,
    );
    expect(err.issues.map((i) => i.path)).toEqual(
      expect.arrayContaining([
        'services.api.health',
        'services.api.readiness[0].http.body',
        'prerequisites.software[0].version',
      ]),
    );
  });

  test('the JSON Schema describes the input for editors, strict and with defaults', () => {
    const s = configJsonSchema() as {
      properties: Record<string, { default?: unknown }>;
      additionalProperties: unknown;
    };
    expect(s.additionalProperties).toBe(false);
    expect(Object.keys(s.properties)).toEqual(
      expect.arrayContaining(['services', 'stages', 'environments', 'policy', 'readiness']),
    );
    expect(JSON.stringify(s)).toContain('"dependsOn"');
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
  });
});
