/**
 * The proxies in front of Sidekey exactly as docs/protect-your-api.md configures them, read from the document
 * itself with a caller's ports and verify key — so the tests, the security corpus and the benchmark all run the
 * configuration users copy, and a change to the document is a change to what they run:
 *   nginx    the `auth_request` server block (the first ```nginx block);
 *   Caddy    the `forward_auth` site (the first ```caddyfile block), as Caddy documents the directive.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, type RunningCaddy, type RunningNginx, startCaddy, startNginx } from './servers.js';

export interface DocsNginxOptions {
  sidekeyPort: number;
  upstreamPort: number;
  listenPort: number;
  verifyKey: string;
  /** Idle keep-alive connections per upstream instead of the document's 16 (the benchmark's 50 clients need more). */
  upstreamKeepalive?: number;
}

/** The nginx server block of docs/protect-your-api.md (the first ```nginx block), with these ports and key. */
export function docsNginxConfig(o: DocsNginxOptions): string {
  const docs = readFileSync(join(ROOT, 'docs/protect-your-api.md'), 'utf8');
  const block = /```nginx\n([\s\S]*?)```/.exec(docs)?.[1];
  if (!block) throw new Error('docs/protect-your-api.md has no ```nginx block');
  const replace = (text: string, pattern: RegExp, by: string) => {
    if (!pattern.test(text)) throw new Error(`docs/protect-your-api.md's nginx block changed: no ${pattern} to replace (update test/support/documented-proxies.ts)`);
    return text.replace(pattern, by);
  };
  let config = block;
  config = replace(config, /(upstream\s+sidekey\s*\{\s*server\s+)[^;\s]+/, `$1127.0.0.1:${o.sidekeyPort}`);
  config = replace(config, /(upstream\s+platform_api\s*\{\s*server\s+)[^;\s]+/, `$1127.0.0.1:${o.upstreamPort}`);
  config = replace(config, /listen\s+[^;]+;/, `listen 127.0.0.1:${o.listenPort};`);
  config = replace(config, /"the SIDEKEY_VERIFY_KEY value"/g, `"${o.verifyKey}"`);
  if (o.upstreamKeepalive !== undefined) config = replace(config, /keepalive \d+;/g, `keepalive ${o.upstreamKeepalive};`);
  return config;
}

export function startDocsNginx(o: DocsNginxOptions): Promise<RunningNginx> {
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
    throw new Error("docs/protect-your-api.md's caddyfile block changed (update test/support/documented-proxies.ts)");
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
