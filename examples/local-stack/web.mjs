/* global fetch, AbortSignal */
// The web front: proxies / to the api; /healthz is healthy when the api answers its /healthz.
import http from 'node:http';

const port = Number(process.env.WEB_PORT ?? 18081);
const api = `http://127.0.0.1:${process.env.API_PORT ?? 18080}`;

async function forward(path, res) {
  try {
    const r = await fetch(`${api}${path}`, { signal: AbortSignal.timeout(1000) });
    const body = await r.text();
    res
      .writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'text/plain' })
      .end(body);
  } catch (err) {
    res.writeHead(502, { 'content-type': 'text/plain' }).end(`api unreachable: ${err.message}`);
  }
}

const server = http.createServer((req, res) => {
  void forward(req.url === '/healthz' ? '/healthz' : '/', res);
});
server.on('error', (err) => {
  process.stderr.write(`web: cannot listen on 127.0.0.1:${port}: ${err.code ?? err.message}\n`);
  process.exit(1);
});
server.listen(port, '127.0.0.1', () =>
  process.stdout.write(`web listening on 127.0.0.1:${port}\n`),
);
const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
