// A hostile HTTP health endpoint for the attack suite, on 127.0.0.1:$PORT. HOSTILE picks how it
// misbehaves: 500 (answers 500 with the secret in its body), hang (never answers), close (drops
// every connection), drip (headers, then a body byte every 200 ms, forever), garbage (not HTTP),
// huge (503 with an endless body).
import { Buffer } from 'node:buffer';
import { createServer } from 'node:http';
import { clearInterval, setInterval } from 'node:timers';

const mode = process.env.HOSTILE ?? '500';
const port = Number(process.env.PORT);
const server = createServer((req, res) => {
  if (mode === '500') res.writeHead(500).end(`boom ${process.env.ATTACK_SECRET ?? ''}\n`);
  else if (mode === 'drip') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    const t = setInterval(() => res.write('.'), 200);
    res.on('close', () => clearInterval(t));
  } else if (mode === 'huge') {
    res.writeHead(503);
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const pump = () => {
      while (res.write(chunk));
    };
    res.on('drain', pump);
    pump();
  }
  // hang: never answer
});
server.on('connection', (socket) => {
  socket.on('error', () => {});
  if (mode === 'close') socket.destroy();
  if (mode === 'garbage') socket.end('\u0000\u00ffnot http at all\r\n\r\n');
});
server.listen(port, '127.0.0.1', () => process.stdout.write(`hostile ${mode} on ${port}\n`));
const stop = () => process.exit(0);
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
