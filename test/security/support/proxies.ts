/**
 * Traefik in front of Sidekey (nginx and Caddy run as documented: test/support/documented-proxies.ts). Traefik is
 * not installed here, so this is a small stand-in that does what ForwardAuth does with every request header
 * forwarded and `trustForwardHeader: false`: it copies the client's headers into the auth request and sets
 * X-Forwarded-Method / X-Forwarded-Uri (and the other X-Forwarded-*) itself.
 */
import { type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse, createServer, request as httpRequest } from 'node:http';

export const IDENTITY_HEADERS = ['X-Sidekey-Account-Id', 'X-Sidekey-Token-Id', 'X-Sidekey-Account-Sid', 'X-Sidekey-Api-Version'];

export interface TraefikStyleSender {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * What Traefik's ForwardAuth does with no `authRequestHeaders` allowlist and `trustForwardHeader: false`:
 * every client header goes into the auth request, X-Forwarded-* are replaced by its own; a 2xx answer lets
 * the request through with `authResponseHeaders` copied onto it, anything else is returned to the client.
 */
export async function startTraefikStyleSender(o: { authUrl: string; upstreamUrl: string; verifyKey: string }): Promise<TraefikStyleSender> {
  const auth = new URL(o.authUrl);
  const upstream = new URL(o.upstreamUrl);
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const authHeaders: OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(request.headers)) if (!name.startsWith('x-forwarded-') && value !== undefined) authHeaders[name] = value;
    delete authHeaders['content-length'];
    delete authHeaders['transfer-encoding'];
    authHeaders['x-forwarded-method'] = request.method;
    authHeaders['x-forwarded-proto'] = 'http';
    authHeaders['x-forwarded-host'] = request.headers.host ?? '';
    authHeaders['x-forwarded-uri'] = request.url;
    authHeaders['x-forwarded-for'] = request.socket.remoteAddress ?? '';
    authHeaders['x-sidekey-verify-key'] = o.verifyKey;
    const check = httpRequest({ host: auth.hostname, port: auth.port, method: 'GET', path: auth.pathname, headers: authHeaders }, (answer) => {
      const body: Buffer[] = [];
      answer.on('data', (c: Buffer) => body.push(c));
      answer.on('end', () => {
        const status = answer.statusCode ?? 502;
        if (status < 200 || status >= 300) {
          response.writeHead(status, answer.headers);
          return response.end(Buffer.concat(body));
        }
        const forwarded: OutgoingHttpHeaders = { ...request.headers };
        for (const name of IDENTITY_HEADERS) {
          const value = answer.headers[name.toLowerCase()];
          if (value !== undefined) forwarded[name.toLowerCase()] = value;
        }
        delete forwarded.authorization;
        const onward = httpRequest({ host: upstream.hostname, port: upstream.port, method: request.method, path: request.url, headers: forwarded }, (served) => {
          response.writeHead(served.statusCode ?? 502, served.headers);
          served.pipe(response);
        });
        onward.on('error', () => response.destroy());
        request.pipe(onward);
      });
    });
    check.on('error', () => {
      response.writeHead(502);
      response.end();
    });
    check.end();
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
