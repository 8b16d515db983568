/** Names: services, stages, environments, hosts and roles share one rule. */
import { z } from 'zod';

/** The longest name: leaves room for a suffix in 255 bytes. */
const MAX_NAME_LENGTH = 200;

/** A service, stage, environment, host or role name: safe in file names and log lines. */
export const serviceNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, {
    error: 'expected a name of letters, digits, ".", "_" or "-"',
  })
  // It becomes a file name in the state folder (`<name>.json`, `<name>.log`): 255 bytes at most.
  .max(MAX_NAME_LENGTH, {
    error: `expected a name of at most ${MAX_NAME_LENGTH} characters (it becomes a file name)`,
  });
