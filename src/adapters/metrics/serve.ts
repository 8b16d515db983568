/**
 * Serves `/metrics` for Prometheus to scrape while stagecraft runs long enough to be scraped (a
 * watch window, `stagecraft watch`). Only GET/HEAD `/metrics`; everything else is 404.
 */
import { createServer, type Server } from 'node:http';
import type { MetricsSource } from './names.js';

/** A listening metrics endpoint. */
export interface MetricsServer {
  /** `http://host:port/metrics`. */
  url: string;
  port: number;
  close(): Promise<void>;
}

export type ServeOutcome = { ok: true; server: MetricsServer } | { ok: false; detail: string };

/** Listens on host:port (port 0: one the OS picks); the server, or why it could not listen. */
export async function serveMetrics(
  source: MetricsSource,
  { host, port }: { host: string; port: number },
): Promise<ServeOutcome> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    source.text().then(
      (text) => {
        res.writeHead(200, { 'content-type': source.contentType });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (error: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(error)}\n`);
      },
    );
  });
  // Scrapes are short; a stuck scraper must not keep close() waiting.
  server.keepAliveTimeout = 5000;
  return new Promise((resolve) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      resolve({
        ok: false,
        detail: `metrics endpoint ${host}:${port} not served: ${error.code ?? error.message}`,
      });
    });
    server.listen(port, host, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address !== null ? address.port : port;
      const shown = host.includes(':') ? `[${host}]` : host;
      resolve({
        ok: true,
        server: {
          url: `http://${shown}:${bound}/metrics`,
          port: bound,
          close: () =>
            new Promise<void>((done) => {
              server.close(() => done());
              server.closeAllConnections();
            }),
        },
      });
    });
  });
}
