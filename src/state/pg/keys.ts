/**
 * The advisory-lock key of an environment and what a database URL may show. The lock uses the
 * two-integer form, so stagecraft's locks never collide with another application's: a fixed
 * namespace ('STCG') and 31 bits of sha256(project, environment), computed here rather than with
 * the server's undocumented hashtext().
 */
import { createHash } from 'node:crypto';

/** The first key of every stagecraft advisory lock: 'STCG'. */
export const LOCK_NAMESPACE = 0x53544347;

/** The second key: the environment of a project. */
export function lockKey(project: string, environment: string): number {
  const digest = createHash('sha256').update(`${project}\0${environment}`).digest();
  return digest.readUInt32BE(0) & 0x7fffffff;
}

/** The URL for messages: the password replaced, and nothing else of it changed. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password === '') return u.toString();
    u.password = 'PASSWORD';
    return u.toString().replace(':PASSWORD@', ':••••••@');
  } catch {
    return '(an unreadable database URL)';
  }
}

/** The secret parts of a URL, for the run's masker: the password, raw and percent-decoded. */
export function urlSecrets(url: string): string[] {
  try {
    const u = new URL(url);
    if (u.password === '') return [];
    const decoded = decodeURIComponent(u.password);
    return decoded === u.password ? [u.password] : [u.password, decoded];
  } catch {
    return [url];
  }
}
