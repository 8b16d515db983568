/**
 * The OpenSSH client config (`~/.ssh/config` or `ssh.config`), honoured for what it sets about a
 * host: HostName, User, Port, IdentityFile (the only `ssh-config` import). `Match exec` is never
 * evaluated: resolving a plan runs no command.
 */
import { readFile, stat } from 'node:fs/promises';
import SSHConfig from 'ssh-config';

/** What an OpenSSH client config says about one host. */
export interface SshClientHost {
  hostName?: string;
  user?: string;
  port?: number;
  identityFile?: string;
}

/** A parsed client config: look a host up by the name it is called by. */
export interface SshClientConfig {
  lookup(name: string): SshClientHost;
}

/** A config that sets nothing (the file does not exist). */
const NOTHING: SshClientConfig = { lookup: () => ({}) };

/**
 * Reads and parses the client config at `file` (absolute). A missing file sets nothing.
 * @returns the config, or the reason it cannot be used (not a regular file, unreadable, or
 *   not parseable)
 */
export async function readSshClientConfig(
  file: string,
): Promise<{ ok: true; config: SshClientConfig } | { ok: false; reason: string }> {
  let text: string;
  try {
    // A FIFO or a device would be waited on forever: only regular files are opened.
    if (!(await stat(file)).isFile())
      return {
        ok: false,
        reason: `not a regular file (a FIFO, socket, device or folder): ${file}`,
      };
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { ok: true, config: NOTHING };
    return { ok: false, reason: `cannot read ${file}: ${code ?? String(err)}` };
  }
  let parsed: SSHConfig;
  try {
    parsed = SSHConfig.parse(text);
  } catch (err) {
    return { ok: false, reason: `cannot parse ${file}: ${(err as Error).message}` };
  }
  return { ok: true, config: { lookup: (name) => lookup(parsed, name) } };
}

function lookup(parsed: SSHConfig, name: string): SshClientHost {
  const found = parsed.compute(name, { ignoreCase: true, matchExec: false });
  const first = (key: string): string | undefined => {
    const v = found[key];
    const s = Array.isArray(v) ? v[0] : v;
    return s === undefined || s === '' ? undefined : s;
  };
  const out: SshClientHost = {};
  // %h is the name the host is called by, as OpenSSH expands it in HostName.
  const hostName = first('hostname');
  if (hostName !== undefined) out.hostName = hostName.replaceAll('%h', name);
  const user = first('user');
  if (user !== undefined) out.user = user;
  const port = Number(first('port'));
  if (Number.isInteger(port) && port >= 1 && port <= 65535) out.port = port;
  const identityFile = first('identityfile');
  if (identityFile !== undefined) out.identityFile = identityFile;
  return out;
}
