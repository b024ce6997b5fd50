// node:http's own cost of Sidekey's exchanges, with no verification: every GET is answered with the exact status,
// headers and body Sidekey's GET /v1/auth sent for the bench's request, every POST (its body read to the end first)
// with /v1/verify's. The headers are read as Sidekey must read them. Sidekey ÷ this is what Sidekey's own code costs;
// this ÷ bare node:http is what the size of the exchange costs any node:http server.
// ANSWERS (JSON): { get: { status, headers: [name, value, …], body }, post: { … } }, captured by bench/groups/http.ts.
import { createServer } from 'node:http';

const answers = JSON.parse(process.env.ANSWERS);

function send(response, { status, headers, body }) {
  response.writeHead(status, headers);
  response.end(body);
}

const server = createServer((request, response) => {
  void request.headers;
  if (request.method !== 'POST') return send(response, answers.get);
  request.on('data', () => {});
  request.on('end', () => send(response, answers.post));
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => console.log(`answer floor listening on http://127.0.0.1:${server.address().port}`));
process.on('SIGTERM', () => process.exit(0));
