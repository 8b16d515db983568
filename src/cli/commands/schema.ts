import type { CliIo } from '../io.js';
import { EXIT } from '../exit-codes.js';

/** `stagecraft schema`: the config's JSON Schema, as committed in config.schema.json. */
export async function schemaCommand(io: CliIo): Promise<number> {
  const { configJsonSchema } = await import('../../config/json-schema.js');
  io.stdout.write(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
  return EXIT.ok;
}
