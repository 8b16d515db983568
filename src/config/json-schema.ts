/** The config's JSON Schema for editors (`stagecraft schema`), generated from the zod schema. */
import { z } from 'zod';
import { configSchema } from './schema.js';

/** JSON Schema (draft 2020-12) of the config as written: input types, defaults shown. */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' });
}
