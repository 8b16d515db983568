/**
 * Config values → plan values: commands to CommandSpec, probes to ProbeSpec (with a label),
 * `${NAME}` interpolated in URLs, addresses and paths, problems collected as ConfigIssues.
 */
import path from 'node:path';
import type { ConfigIssue } from './errors.js';
import { interpolate } from './interpolate.js';
import { issueAt } from './issues.js';
import type { IssueContext } from './issues.js';
import type {
  CommandSpec,
  HostSpec,
  HttpProbeSpec,
  PerformanceSpec,
  ProbeSpec,
} from './plan-types.js';
import type { CommandInput, HttpInput, ProbeInputConfig } from './schema-command.js';

type At = readonly PropertyKey[];

/** Normalises values of one config for one environment, collecting every problem. */
export class Normalizer {
  readonly issues: ConfigIssue[] = [];

  constructor(
    private readonly ctx: IssueContext,
    private readonly dir: string,
    private readonly values: Readonly<Record<string, string>>,
    private readonly secrets: ReadonlySet<string>,
    /** Set for an instance of a placed service: its commands run there. */
    private readonly host?: HostSpec,
  ) {}

  /** `${NAME}` replaced; an unknown name or a secret is an issue at `at`. */
  /** Whether `value` is empty once interpolated (an unknown variable is reported where it is used). */
  isEmpty(value: string): boolean {
    const r = interpolate(value, this.values, this.secrets);
    return r.ok && r.value.trim() === '';
  }

  text(value: string, at: At): string {
    const r = interpolate(value, this.values, this.secrets);
    if (r.ok) return r.value;
    const msg =
      r.reason === 'secret'
        ? `\${${r.name}} is a secret and cannot be interpolated (secrets reach commands as environment variables)`
        : `unknown variable \${${r.name}}`;
    this.issues.push(
      issueAt(
        this.ctx,
        at,
        msg,
        r.reason === 'unknown'
          ? 'define it in vars, an environment, config.files or --var'
          : undefined,
      ),
    );
    return value;
  }

  /** An absolute path (relative paths start at the config folder). */
  path(value: string, at: At): string {
    return path.resolve(this.dir, this.text(value, at));
  }

  /** An http(s) URL. */
  url(value: string, at: At): string {
    const text = this.text(value, at);
    if (text.includes('${')) return text;
    try {
      const u = new URL(text);
      if (u.protocol === 'http:' || u.protocol === 'https:') return text;
    } catch {
      // reported below
    }
    this.issues.push(issueAt(this.ctx, at, `expected an http(s) URL, got ${JSON.stringify(text)}`));
    return text;
  }

  /** `host:port` (IPv6 as `[::1]:5432`). */
  tcp(value: string, at: At): { host: string; port: number } {
    const text = this.text(value, at);
    const m = /^(?:\[([^\]]+)\]|([^:\s]+)):(\d{1,5})$/.exec(text);
    const port = m ? Number(m[3]) : NaN;
    if (!m || port < 1 || port > 65535) {
      if (!text.includes('${')) {
        this.issues.push(
          issueAt(
            this.ctx,
            at,
            `expected "host:port" with a port 1-65535, got ${JSON.stringify(text)}`,
          ),
        );
      }
      return { host: text, port: 0 };
    }
    return { host: m[1] ?? m[2]!, port };
  }

  /**
   * A command; `cwd` is interpolated and absolute, the command itself never is. On a host, `cwd`
   * is kept as written ('' = the login folder) and the env gains HOST, HOST_NAME and the host's
   * vars (the command's own env still wins).
   */
  command(cmd: CommandInput, at: At): CommandSpec {
    const full = typeof cmd === 'string' || Array.isArray(cmd) ? { run: cmd } : cmd;
    const host = this.host;
    const spec: CommandSpec =
      host === undefined
        ? {
            run: full.run,
            cwd: full.cwd === undefined ? this.dir : this.path(full.cwd, [...at, 'cwd']),
            env: { ...(full.env ?? {}) },
          }
        : {
            run: full.run,
            cwd: full.cwd === undefined ? '' : this.text(full.cwd, [...at, 'cwd']),
            env: { ...hostEnv(host), ...(full.env ?? {}) },
            host,
          };
    if (full.timeout !== undefined) spec.timeoutMs = full.timeout;
    return spec;
  }

  /** An HTTP check. */
  http(input: HttpInput, at: At): HttpProbeSpec {
    if (typeof input === 'string')
      return { url: this.url(input, at), method: 'GET', status: ['2xx', '3xx'], headers: {} };
    const status =
      input.status === undefined
        ? ['2xx', '3xx']
        : Array.isArray(input.status)
          ? input.status
          : [input.status];
    const spec: HttpProbeSpec = {
      url: this.url(input.url, [...at, 'url']),
      method: input.method.toUpperCase(),
      status,
      headers: input.headers,
    };
    if (input.body !== undefined) spec.body = input.body;
    return spec;
  }

  /** A probe with its timing and label. */
  probe(
    p: Pick<
      ProbeInputConfig,
      | 'http'
      | 'tcp'
      | 'command'
      | 'interval'
      | 'timeout'
      | 'retries'
      | 'successThreshold'
      | 'startPeriod'
    >,
    at: At,
  ): ProbeSpec {
    const timing = {
      intervalMs: p.interval,
      timeoutMs: p.timeout,
      retries: p.retries,
      successThreshold: p.successThreshold,
      startPeriodMs: p.startPeriod,
    };
    if (p.http !== undefined) {
      const http = this.http(p.http, [...at, 'http']);
      return { kind: 'http', http, ...timing, label: `http ${http.method} ${http.url}` };
    }
    if (p.tcp !== undefined) {
      const tcp = this.tcp(p.tcp, [...at, 'tcp']);
      return { kind: 'tcp', tcp, ...timing, label: `tcp ${formatHostPort(tcp.host, tcp.port)}` };
    }
    const command = this.command(p.command ?? 'true', [...at, 'command']);
    return { kind: 'command', command, ...timing, label: `command ${commandText(command)}` };
  }

  /** A p95 latency baseline. */
  performance(
    p: { http: string; samples: number; p95: number; timeout: number },
    at: At,
  ): PerformanceSpec {
    return {
      url: this.url(p.http, [...at, 'http']),
      samples: p.samples,
      p95Ms: p.p95,
      timeoutMs: p.timeout,
    };
  }
}

/** What an instance on `host` sees: HOST (its address), HOST_NAME and the host's vars. */
export function hostEnv(host: HostSpec): Record<string, string> {
  return { HOST: host.address, HOST_NAME: host.name, ...host.vars };
}

/** `host:port`, IPv6 hosts in brackets. */
export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** A command as one line of text, for labels. */
function commandText(cmd: CommandSpec): string {
  return typeof cmd.run === 'string'
    ? cmd.run
    : cmd.run.map((a) => (/[\s"']/.test(a) ? JSON.stringify(a) : a)).join(' ');
}
