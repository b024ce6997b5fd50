/**
 * The built web UI (web/dist) served from memory. Contract:
 * - Only the files the build wrote are answered, each at its own path (read once at start-up, so no request path
 *   ever reaches the file system and `..` cannot leave the build).
 * - Each answer is the best copy the client accepts: the build's brotli (`.br`) or gzip (`.gz`) copy when
 *   Accept-Encoding allows it, else the file itself; `Vary: Accept-Encoding` tells caches the answer depends on it.
 * - Files under /assets/ are named by a hash of their content, so they are cached for a year and never
 *   revalidated (`immutable`); everything else, index.html first, is revalidated on every use (`no-cache`) with
 *   an ETag, so a release reaches browsers at once.
 * - Deep links into the single-page app are answered with index.html by `sendIndex` (app.ts's not-found handler
 *   decides which paths are deep links).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/** The encodings the build writes, best first, with the suffix of their copy. */
const ENCODINGS = [
  { name: 'br', suffix: '.br' },
  { name: 'gzip', suffix: '.gz' },
] as const;
type Encoding = (typeof ENCODINGS)[number]['name'];

export const IMMUTABLE = 'public, max-age=31536000, immutable';
export const REVALIDATE = 'no-cache';

interface UiFile {
  type: string;
  cacheControl: string;
  etag: string;
  identity: Buffer;
  encoded: Partial<Record<Encoding, Buffer>>;
}

export interface WebUi {
  /** Registers one GET (and HEAD) route per file of the build, and `/` for index.html. */
  routes: (app: FastifyInstance) => Promise<void>;
  /** Answers a deep link into the single-page app with index.html. */
  sendIndex: (request: FastifyRequest, reply: FastifyReply) => FastifyReply;
}

/**
 * The encoding to answer with for an Accept-Encoding header (RFC 9110 §12.5.3): the first of br and gzip, in
 * that order, that the header accepts with a non-zero quality (by name or by `*`), or null for the file itself.
 */
export function negotiateEncoding(acceptEncoding: string | undefined, available: readonly Encoding[]): Encoding | null {
  if (!acceptEncoding) return null;
  const quality = new Map<string, number>();
  for (const part of acceptEncoding.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    quality.set(name, q === undefined ? 1 : Number(q));
  }
  const accepted = (name: string) => (quality.get(name) ?? quality.get('*') ?? 0) > 0;
  let best: Encoding | null = null;
  let bestQuality = 0;
  for (const { name } of ENCODINGS) {
    if (!available.includes(name) || !accepted(name)) continue;
    const q = quality.get(name) ?? quality.get('*')!;
    if (q > bestQuality) [best, bestQuality] = [name, q];
  }
  return best;
}

function filesOf(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesOf(path) : [path];
  });
}

function load(root: string): Map<string, UiFile> {
  const files = new Map<string, UiFile>();
  const all = new Set(filesOf(root));
  for (const path of all) {
    if (ENCODINGS.some((e) => path.endsWith(e.suffix) && all.has(path.slice(0, -e.suffix.length)))) continue;
    const url = `/${relative(root, path).split(sep).join('/')}`;
    const identity = readFileSync(path);
    const encoded: UiFile['encoded'] = {};
    for (const { name, suffix } of ENCODINGS) if (all.has(path + suffix)) encoded[name] = readFileSync(path + suffix);
    files.set(url, {
      type: CONTENT_TYPES[extname(path)] ?? 'application/octet-stream',
      cacheControl: url.startsWith('/assets/') ? IMMUTABLE : REVALIDATE,
      etag: `"${createHash('sha256').update(identity).digest('base64url').slice(0, 22)}"`,
      identity,
      encoded,
    });
  }
  return files;
}

function send(file: UiFile, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const encodings = Object.keys(file.encoded) as Encoding[];
  const encoding = negotiateEncoding(request.headers['accept-encoding'], encodings);
  reply.header('Content-Type', file.type).header('Cache-Control', file.cacheControl);
  if (encodings.length > 0) reply.header('Vary', 'Accept-Encoding');
  // One ETag per representation: a cache must not hand the gzip bytes to a client that asked for brotli.
  const etag = encoding ? `${file.etag.slice(0, -1)}-${encoding}"` : file.etag;
  reply.header('ETag', etag);
  if (request.headers['if-none-match']?.split(',').some((tag) => tag.trim() === etag)) return reply.status(304).send();
  if (encoding) reply.header('Content-Encoding', encoding);
  return reply.send(encoding ? file.encoded[encoding] : file.identity);
}

/** The UI built into `root`, or null when it has not been built (no index.html). */
export function loadWebUi(root: string): WebUi | null {
  if (!existsSync(join(root, 'index.html'))) return null;
  const files = load(root);
  const index = files.get('/index.html')!;
  return {
    routes: async (app) => {
      for (const [url, file] of files) app.get(url, { schema: { hide: true } }, (request, reply) => send(file, request, reply));
      app.get('/', { schema: { hide: true } }, (request, reply) => send(index, request, reply));
    },
    sendIndex: (request, reply) => send(index, request, reply),
  };
}
