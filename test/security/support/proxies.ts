/**
 * The proxies in front of Sidekey, configured as their users would configure them:
 *   nginx    the `auth_request` configuration of docs/protect-your-api.md, read from the document itself,
 *            with this test's ports and verify key;
 *   Caddy    the `forward_auth` site of docs/protect-your-api.md (as Caddy documents the directive), read from the
 *            document itself;
 *   Traefik  a small stand-in that does what ForwardAuth does with every request header forwarded and
 *            `trustForwardHeader: false`: it copies the client's headers into the auth request and sets
 *            X-Forwarded-Method / X-Forwarded-Uri (and the other X-Forwarded-*) itself.
 */
import { readFileSync } from 'node:fs';
import { type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse, createServer, request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { ROOT, type RunningNginx, type RunningCaddy, startCaddy, startNginx } from '../../support/servers.js';

export const IDENTITY_HEADERS = ['X-Sidekey-Account-Id', 'X-Sidekey-Token-Id', 'X-Sidekey-Account-Sid', 'X-Sidekey-Api-Version'];

/** The nginx server block of docs/protect-your-api.md (the first ```nginx block), with these ports and key. */
export function docsNginxConfig(o: { sidekeyPort: number; upstreamPort: number; listenPort: number; verifyKey: string }): string {
  const docs = readFileSync(join(ROOT, 'docs/protect-your-api.md'), 'utf8');
  const block = /```nginx\n([\s\S]*?)```/.exec(docs)?.[1];
  if (!block) throw new Error('docs/protect-your-api.md has no ```nginx block');
  const replace = (text: string, pattern: RegExp, by: string) => {
    if (!pattern.test(text)) throw new Error(`docs/protect-your-api.md's nginx block changed: no ${pattern} to replace (update test/security/support/proxies.ts)`);
    return text.replace(pattern, by);
  };
  let config = block;
  config = replace(config, /(upstream\s+sidekey\s*\{\s*server\s+)[^;\s]+/, `$1127.0.0.1:${o.sidekeyPort}`);
  config = replace(config, /(upstream\s+platform_api\s*\{\s*server\s+)[^;\s]+/, `$1127.0.0.1:${o.upstreamPort}`);
  config = replace(config, /listen\s+[^;]+;/, `listen 127.0.0.1:${o.listenPort};`);
  config = replace(config, /"the SIDEKEY_VERIFY_KEY value"/g, `"${o.verifyKey}"`);
  return config;
}

export function startDocsNginx(o: { sidekeyPort: number; upstreamPort: number; listenPort: number; verifyKey: string }): Promise<RunningNginx> {
  return startNginx(o.listenPort, () => docsNginxConfig(o));
}

/**
 * The Caddy site of docs/protect-your-api.md (the site block of its first ```caddyfile block), once per
 * (listen port, upstream port), with this test's ports and key; the global options are the test's own.
 */
export function forwardAuthCaddyfile(o: { sidekeyPort: number; verifyKey: string; sites: { listenPort: number; upstreamPort: number }[] }): string {
  const docs = readFileSync(join(ROOT, 'docs/protect-your-api.md'), 'utf8');
  const block = /```caddyfile\n([\s\S]*?)```/.exec(docs)?.[1];
  const site = block && /^http:\/\/api\.example\.com \{\n[\s\S]*?^\}$/m.exec(block)?.[0];
  if (!site?.includes('sidekey:8080') || !site.includes('platform:9000') || !site.includes('"the SIDEKEY_VERIFY_KEY value"')) {
    throw new Error("docs/protect-your-api.md's caddyfile block changed (update test/security/support/proxies.ts)");
  }
  const sites = o.sites.map((s) =>
    site
      .replace('http://api.example.com {', `http://127.0.0.1:${s.listenPort} {\n\tbind 127.0.0.1`)
      .replace('sidekey:8080', `127.0.0.1:${o.sidekeyPort}`)
      .replace('platform:9000', `127.0.0.1:${s.upstreamPort}`)
      .replace('"the SIDEKEY_VERIFY_KEY value"', `"${o.verifyKey}"`),
  );
  return `{
	admin off
	auto_https off
	http_port ${o.sites[0].listenPort}
	log {
		output discard
	}
}
${sites.join('\n')}
`;
}

export function startForwardAuthCaddy(o: { sidekeyPort: number; verifyKey: string; sites: { listenPort: number; upstreamPort: number }[] }): Promise<RunningCaddy> {
  return startCaddy(
    o.sites.map((s) => s.listenPort),
    () => forwardAuthCaddyfile(o),
  );
}

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
