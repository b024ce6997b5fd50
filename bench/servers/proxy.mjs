// The least a Node proxy does: node:http in front of UPSTREAM_URL on a keep-alive pool, streaming both ways, no
// routing and no verification. The gateway is held to a fraction of it (the ceiling of any Node proxy here).
import { Agent, createServer, request } from 'node:http';

const upstream = new URL(process.env.UPSTREAM_URL);
const agent = new Agent({ keepAlive: true, maxSockets: 128 });
// Hop-by-hop: about this connection, never forwarded.
const hop = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);
const forwardable = (headers) => Object.fromEntries(Object.entries(headers).filter(([name]) => !hop.has(name)));

const server = createServer((req, res) => {
  const forward = request(
    { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: forwardable(req.headers), agent },
    (answer) => {
      res.writeHead(answer.statusCode, forwardable(answer.headers));
      answer.pipe(res);
    },
  );
  forward.on('error', () => {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  });
  req.pipe(forward);
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => console.log(`proxy listening on http://127.0.0.1:${server.address().port}`));
process.on('SIGTERM', () => process.exit(0));
