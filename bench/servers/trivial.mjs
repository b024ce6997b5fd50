// The baseline: bare node:http answering 200 with a small JSON body. Used as (a), the ceiling of any Node
// server on this machine, and as (e), the trivial upstream behind the gateway (called directly for comparison).
import { createServer } from 'node:http';

const body = JSON.stringify({ ok: true });
const server = createServer((request, response) => {
  request.resume();
  response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  response.end(body);
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => console.log(`trivial server listening on http://127.0.0.1:${server.address().port}`));
process.on('SIGTERM', () => process.exit(0));
