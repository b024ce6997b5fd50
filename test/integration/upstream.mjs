// A stand-in for the platform's API: answers every request with what reached it (method, URL, headers,
// body), so tests can see exactly what a gateway or nginx forwarded. `GET /__hits` counts the other requests,
// `GET /__connections` the TCP connections they came on (a test's own /__ requests and their connections are not
// counted).
import { createServer } from 'node:http';

let hits = 0;
let connections = 0;
const counted = new WeakSet();
const server = createServer((request, response) => {
  if (request.url === '/__hits' || request.url === '/__connections') {
    response.writeHead(200, { 'content-type': 'application/json' });
    return response.end(JSON.stringify(request.url === '/__hits' ? { hits } : { connections }));
  }
  hits++;
  if (!counted.has(request.socket)) {
    counted.add(request.socket);
    connections++;
  }
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    response.writeHead(200, { 'content-type': 'application/json', 'x-upstream': 'platform' });
    response.end(JSON.stringify({ method: request.method, url: request.url, headers: request.headers, body: Buffer.concat(chunks).toString() }));
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  console.log(`upstream listening on http://127.0.0.1:${server.address().port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
