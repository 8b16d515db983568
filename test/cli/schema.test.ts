import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { ROOT, runBuilt, runInProcess } from './helpers.js';

type JsonSchema = {
  properties?: Record<string, JsonSchema>;
  additionalProperties?: unknown;
  [k: string]: unknown;
};

describe('stagecraft schema', () => {
  test('prints exactly the committed config.schema.json (regenerate with npm run schema)', async () => {
    const committed = await readFile(join(ROOT, 'config.schema.json'), 'utf8');
    const r = await runInProcess(['schema']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(committed);
  });

  test('the built CLI prints a JSON Schema that forbids unknown top-level keys', async () => {
    const r = await runBuilt(['schema']);
    expect(r.code).toBe(0);
    const schema = JSON.parse(r.stdout) as JsonSchema;
    expect(String(schema.$schema)).toContain('json-schema.org');
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties ?? {})).toEqual(
      expect.arrayContaining(['services', 'stages', 'policy']),
    );
  });

  test.each(['local-stack', 'failing-stack'])(
    'every key the %s example uses is a property the schema declares',
    async (example) => {
      const schema = JSON.parse(
        await readFile(join(ROOT, 'config.schema.json'), 'utf8'),
      ) as JsonSchema;
      const text = await readFile(
        join(ROOT, 'examples', example, 'stagecraft.config.yaml'),
        'utf8',
      );
      expect(text.startsWith('# yaml-language-server: $schema=../../config.schema.json\n')).toBe(
        true,
      );
      const config = parse(text) as Record<string, unknown>;
      const top = Object.keys(schema.properties ?? {});
      for (const key of Object.keys(config)) expect(top).toContain(key);
      const service = serviceSchema(schema);
      for (const svc of Object.values(config.services as Record<string, Record<string, unknown>>)) {
        for (const key of Object.keys(svc))
          expect(Object.keys(service.properties ?? {})).toContain(key);
      }
    },
  );
});

/** The schema of one entry of `services` (a record: additionalProperties, maybe via $ref). */
function serviceSchema(schema: JsonSchema): JsonSchema {
  const services = schema.properties?.services as JsonSchema;
  let entry = services.additionalProperties as JsonSchema;
  const ref = entry.$ref;
  if (typeof ref === 'string') {
    entry = ref
      .replace(/^#\//, '')
      .split('/')
      .reduce<JsonSchema>((node, part) => node[part] as JsonSchema, schema);
  }
  return entry;
}
