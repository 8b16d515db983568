/** The TCP port an http or tcp probe reaches. */
import type { ProbeSpec } from '../../config/plan-types.js';

/** The host and port a probe reaches (http and tcp probes), if any. */
export function probePort(probe: ProbeSpec): { host: string; port: number } | undefined {
  if (probe.tcp !== undefined) return probe.tcp;
  if (probe.http === undefined) return undefined;
  try {
    const url = new URL(probe.http.url);
    const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
    return { host: url.hostname, port };
  } catch {
    return undefined;
  }
}
