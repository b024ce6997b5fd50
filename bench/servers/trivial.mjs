// Bare node:http answering 200 "ok": (a), the ceiling of any Node server on this machine, and the trivial upstream
// behind every proxy the bench compares (the gateway, a minimal node:http proxy, nginx).
import { createServer } from 'node:http';

const server = createServer((request, response) => {
  request.resume();
  response.writeHead(200, { 'content-type': 'text/plain', 'content-length': 2 });
  response.end('ok');
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => console.log(`trivial server listening on http://127.0.0.1:${server.address().port}`));
process.on('SIGTERM', () => process.exit(0));
