/**
 * Real Prometheus, Pushgateway and Alertmanager (Debian's binaries) as children of the test, on
 * 127.0.0.1 with free ports and their own temporary data folders — never the system services.
 * Readiness waits are bounded; stop() kills them and removes their folders.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PROMETHEUS = '/usr/bin/prometheus';
const PUSHGATEWAY = '/usr/bin/prometheus-pushgateway';
const ALERTMANAGER = '/usr/bin/prometheus-alertmanager';

/** Why these tests cannot run here, or undefined when they can. */
export function monitoringUnavailable(): string | undefined {
  const missing = [PROMETHEUS, PUSHGATEWAY, ALERTMANAGER].filter((p) => !existsSync(p));
  return missing.length > 0
    ? `${missing.join(', ')} missing (apt-get install prometheus prometheus-pushgateway prometheus-alertmanager)`
    : undefined;
}

/** A port the OS just handed out (free when this returns). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

interface Child {
  name: string;
  url: string;
  process: ChildProcess;
  log(): string;
}

function start(name: string, command: string, args: string[], port: number): Child {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const keep = (chunk: Buffer): void => {
    log = (log + chunk.toString('utf8')).slice(-8000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  return { name, url: `http://127.0.0.1:${port}`, process: child, log: () => log };
}

/** Waits (at most `ms`) until `<url>/-/ready` answers 200. */
async function ready(child: Child, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  for (let i = 0; i < 400 && Date.now() < until; i++) {
    if (child.process.exitCode !== null)
      throw new Error(`${child.name} exited (${child.process.exitCode}):\n${child.log()}`);
    try {
      const res = await fetch(`${child.url}/-/ready`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${child.name} not ready after ${ms} ms:\n${child.log()}`);
}

export interface MonitoringServers {
  prometheus: string;
  pushgateway: string;
  alertmanager: string;
  /** The server logs, for failure messages. */
  logs(): string;
  stop(): Promise<void>;
}

/**
 * Starts the three servers. Prometheus scrapes `scrapeTargets` (host:port, path /metrics) as job
 * `stagecraft-scraped`, and the Pushgateway (honor_labels) every second.
 */
export async function startMonitoring(scrapeTargets: string[]): Promise<MonitoringServers> {
  const dir = await mkdtemp(join(tmpdir(), 'stagecraft-monitoring-'));
  const [promPort, pushPort, amPort] = [await freePort(), await freePort(), await freePort()];
  const alertmanagerConfig = join(dir, 'alertmanager.yml');
  await writeFile(
    alertmanagerConfig,
    ['route:', '  receiver: none', 'receivers:', '  - name: none', ''].join('\n'),
  );
  const prometheusConfig = join(dir, 'prometheus.yml');
  await writeFile(
    prometheusConfig,
    [
      'global:',
      '  scrape_interval: 1s',
      '  evaluation_interval: 1s',
      'scrape_configs:',
      '  - job_name: stagecraft-scraped',
      '    static_configs:',
      `      - targets: [${scrapeTargets.map((t) => `'${t}'`).join(', ')}]`,
      '  - job_name: pushgateway',
      '    honor_labels: true',
      '    static_configs:',
      `      - targets: ['127.0.0.1:${pushPort}']`,
      '',
    ].join('\n'),
  );
  const children: Child[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.process.exitCode !== null || c.process.signalCode !== null) return resolve();
            const kill = setTimeout(() => c.process.kill('SIGKILL'), 5000);
            c.process.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            c.process.kill('SIGTERM');
          }),
      ),
    );
    await rm(dir, { recursive: true, force: true });
  };
  try {
    children.push(
      start(
        'pushgateway',
        PUSHGATEWAY,
        [
          `--web.listen-address=127.0.0.1:${pushPort}`,
          // Debian's default persists to /var/lib/prometheus: memory only here.
          '--persistence.file=',
          '--log.level=warn',
        ],
        pushPort,
      ),
      start(
        'alertmanager',
        ALERTMANAGER,
        [
          `--web.listen-address=127.0.0.1:${amPort}`,
          '--cluster.listen-address=',
          `--storage.path=${join(dir, 'alertmanager')}`,
          `--config.file=${alertmanagerConfig}`,
          '--log.level=warn',
        ],
        amPort,
      ),
      start(
        'prometheus',
        PROMETHEUS,
        [
          `--config.file=${prometheusConfig}`,
          `--storage.tsdb.path=${join(dir, 'prometheus')}`,
          `--web.listen-address=127.0.0.1:${promPort}`,
          '--log.level=warn',
        ],
        promPort,
      ),
    );
    await Promise.all(children.map((c) => ready(c)));
  } catch (error) {
    await stop();
    throw error;
  }
  const url = (name: string): string => children.find((c) => c.name === name)?.url ?? '';
  return {
    prometheus: url('prometheus'),
    pushgateway: url('pushgateway'),
    alertmanager: url('alertmanager'),
    logs: () => children.map((c) => `--- ${c.name}\n${c.log()}`).join('\n'),
    stop,
  };
}

/** A PromQL instant query over Prometheus's HTTP API: the API's JSON answer. */
export async function promQuery(
  prometheus: string,
  query: string,
): Promise<{
  status: string;
  error?: string;
  data?: {
    resultType: string;
    result: Array<{ metric: Record<string, string>; value: [number, string] }>;
  };
}> {
  const res = await fetch(`${prometheus}/api/v1/query?query=${encodeURIComponent(query)}`, {
    signal: AbortSignal.timeout(5000),
  });
  return (await res.json()) as Awaited<ReturnType<typeof promQuery>>;
}
