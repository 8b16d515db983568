/**
 * OpenSSH known_hosts files, read by stagecraft itself: ssh2 does not read them, it only asks a
 * `hostVerifier` about the key the server offered. Supported: plain names and `[host]:port`
 * (port 22 is written without brackets), comma lists, `*`/`?` wildcards and `!` negations,
 * hashed entries (`|1|salt|hash`, HMAC-SHA1 of the host name), `@revoked` lines and comments.
 * `@cert-authority` lines are skipped (ssh2 does not verify host certificates).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';

/** One key line of a known_hosts file. */
export interface KnownHostEntry {
  marker?: 'revoked' | 'cert-authority';
  /** Host patterns (plain entries), or the salt and hash of a hashed entry. */
  hosts: string[] | { salt: Buffer; hash: Buffer };
  keyType: string;
  key: Buffer;
}

/** What the known_hosts files say of a host's key. */
export type HostKeyVerdict = 'ok' | 'unknown' | 'mismatch' | 'revoked';

/** Parse the text of a known_hosts file; malformed lines are skipped, as OpenSSH does. */
function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    let marker: KnownHostEntry['marker'];
    if (fields[0] === '@revoked' || fields[0] === '@cert-authority') {
      marker = fields[0] === '@revoked' ? 'revoked' : 'cert-authority';
      fields.shift();
    } else if (fields[0]?.startsWith('@')) continue;
    const [hostField, keyType, keyText] = fields;
    if (hostField === undefined || keyType === undefined || keyText === undefined) continue;
    const key = Buffer.from(keyText, 'base64');
    if (key.length === 0) continue;
    let hosts: KnownHostEntry['hosts'];
    if (hostField.startsWith('|1|')) {
      const [, , salt, hash] = hostField.split('|');
      if (salt === undefined || hash === undefined) continue;
      hosts = { salt: Buffer.from(salt, 'base64'), hash: Buffer.from(hash, 'base64') };
    } else hosts = hostField.split(',').filter((h) => h !== '');
    entries.push({ ...(marker === undefined ? {} : { marker }), hosts, keyType, key });
  }
  return entries;
}

/** The name a host is known by: `address`, or `[address]:port` when the port is not 22. */
function knownHostName(address: string, port: number): string {
  return port === 22 ? address : `[${address}]:${port}`;
}

function glob(pattern: string, name: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 'i').test(name);
}

/** Whether an entry names `name` (a negated pattern that matches excludes it). */
function matches(entry: KnownHostEntry, name: string): boolean {
  if (!Array.isArray(entry.hosts)) {
    const { salt, hash } = entry.hosts;
    const mine = createHmac('sha1', salt).update(name).digest();
    return mine.length === hash.length && timingSafeEqual(mine, hash);
  }
  let hit = false;
  for (const p of entry.hosts) {
    if (p.startsWith('!')) {
      if (glob(p.slice(1), name)) return false;
    } else if (glob(p, name)) hit = true;
  }
  return hit;
}

/** The key type named inside an SSH public key blob (its first string). */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const len = blob.readUInt32BE(0);
  return len > 0 && 4 + len <= blob.length
    ? blob.subarray(4, 4 + len).toString('latin1')
    : 'unknown';
}

/** The OpenSSH-style fingerprint of a key blob: `SHA256:` and unpadded base64. */
export function fingerprintOf(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The verdict of parsed entries on the key a host offered. */
export function checkHostKey(
  entries: readonly KnownHostEntry[],
  address: string,
  port: number,
  key: Buffer,
): HostKeyVerdict {
  const name = knownHostName(address, port);
  const type = keyTypeOf(key);
  // A revoked key is refused whichever host it is presented for.
  if (entries.some((e) => e.marker === 'revoked' && e.key.equals(key))) return 'revoked';
  const mine = entries.filter((e) => e.marker === undefined && matches(e, name));
  if (mine.some((e) => e.key.equals(key))) return 'ok';
  if (mine.some((e) => e.keyType === type)) return 'mismatch';
  return 'unknown';
}

/** Read and parse known_hosts files in order; a file that does not exist counts as empty. */
export async function loadKnownHosts(files: readonly string[]): Promise<KnownHostEntry[]> {
  const texts = await Promise.all(
    files.map((f) =>
      readFile(f, 'utf8').catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return '';
        throw error;
      }),
    ),
  );
  return texts.flatMap(parseKnownHosts);
}

/** What `files` say of the key `keyBlob` offered by `address`:`port`. */
export async function verifyHostKey(
  files: readonly string[],
  address: string,
  port: number,
  keyBlob: Buffer,
): Promise<HostKeyVerdict> {
  return checkHostKey(await loadKnownHosts(files), address, port, keyBlob);
}
