/** Who is running this: recorded in locks, decisions and history. */
import { userInfo } from 'node:os';

/** The operator's user name. */
export function operatorName(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}
