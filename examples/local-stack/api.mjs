// The API: connects to the db on start, then serves /healthz, /ready and / over HTTP.
// HEALTH_STATUS forces the status of /healthz (the failing-stack example sets 503).
import http from 'node:http';
import net from 'node:net';

const port = Number(process.env.API_PORT ?? 18080);
const dbPort = Number(process.env.DB_PORT ?? 18432);
const forced = process.env.HEALTH_STATUS ? Number(process.env.HEALTH_STATUS) : undefined;
let db;

function connect() {
  const socket = net.connect(dbPort, '127.0.0.1');
  socket.setEncoding('utf8');
  socket.on('connect', () => {
    db = socket;
    process.stdout.write(`api connected to db on ${dbPort}\n`);
  });
  socket.on('error', () => {});
  socket.on('close', () => {
    db = undefined;
    setTimeout(connect, 200);
  });
}
connect();

const server = http.createServer((req, res) => {
  if (req.url === '/healthz') {
    const status = forced ?? (db ? 200 : 503);
    res
      .writeHead(status, { 'content-type': 'text/plain' })
      .end(status === 200 ? 'ok' : 'unhealthy');
  } else if (req.url === '/ready') {
    res
      .writeHead(db ? 200 : 503, { 'content-type': 'text/plain' })
      .end(db ? 'ok' : 'waiting for db');
  } else {
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(
        JSON.stringify({ service: 'api', release: process.env.RELEASE ?? 'dev', db: Boolean(db) }),
      );
  }
});
server.on('error', (err) => {
  process.stderr.write(`api: cannot listen on 127.0.0.1:${port}: ${err.code ?? err.message}\n`);
  process.exit(1);
});
server.listen(port, '127.0.0.1', () =>
  process.stdout.write(`api listening on 127.0.0.1:${port}\n`),
);
const stop = () => {
  db?.destroy();
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
