// A tiny "database": a TCP server that answers each line with "pong". Long-running (`process`).
import net from 'node:net';

const port = Number(process.env.DB_PORT ?? 18432);
const server = net.createServer((socket) => {
  socket.setEncoding('utf8');
  socket.on('data', (chunk) => {
    for (const line of chunk.split('\n').filter(Boolean)) socket.write(`pong ${line}\n`);
  });
  socket.on('error', () => {});
});
server.on('error', (err) => {
  process.stderr.write(`db: cannot listen on 127.0.0.1:${port}: ${err.code ?? err.message}\n`);
  process.exit(1);
});
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`db listening on 127.0.0.1:${port}\n`);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
