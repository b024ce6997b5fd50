/**
 * The gateway as a client of its upstream: an upstream written over a raw net server, answering each request with
 * exactly the bytes a test gives it, and numbering the TCP connections requests reach it on. The property: a
 * response whose framing could be read two ways is never forwarded (the client gets 502) and its connection is
 * never used again, so no byte of it can become the answer to another client's request; a connection is reused
 * only after a response framed by its length or by chunks was read to its end.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import http from 'node:http';
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/http/app.js';
import { createProxy } from '../../src/http/gateway/proxy.js';
import { createTestContext, type TestContext } from '../support/databases.js';
import { createBrand } from '../support/fixtures.js';
import { apiPath, issueToken, type Issued } from '../verify/helpers.js';

interface Received {
  /** The number of the TCP connection it came on, from 1. */
  connection: number;
  method: string;
  url: string;
  body: string;
}

/** What the upstream does with a request: writes these bytes, or acts on the socket itself. */
type Reply = string | ((socket: Socket, request: Received) => void);

interface RawUpstream {
  url: string;
  received: Received[];
  /** Numbers of the connections the gateway closed (or that were closed under it). */
  closed: Set<number>;
  /** The reply to the next requests, in turn; once they are used up, every request gets `fallback`. */
  replies: Reply[];
  /** With it, the upstream replies as soon as a request's head arrives, before its body. */
  replyOnHead: boolean;
  server: Server;
}

const OK = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok';

/** Reads requests as the gateway frames them (Content-Length or chunked, well-formed by construction). */
function startRawUpstream(): Promise<RawUpstream> {
  let connections = 0;
  const upstream = { received: [], closed: new Set(), replies: [], replyOnHead: false } as unknown as RawUpstream;
  const reply = (socket: Socket, request: Received) => {
    const next = upstream.replies.shift() ?? OK;
    if (typeof next === 'string') socket.write(next, 'latin1');
    else next(socket, request);
  };
  upstream.server = createServer((socket) => {
    const connection = ++connections;
    let buffer = Buffer.alloc(0);
    let pending: { request: Received; length: number | 'chunked'; replied: boolean } | undefined;
    socket.on('error', () => {});
    socket.on('close', () => upstream.closed.add(connection));
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        if (pending === undefined) {
          const end = buffer.indexOf('\r\n\r\n');
          if (end < 0) return;
          const [requestLine, ...lines] = buffer.subarray(0, end).toString('latin1').split('\r\n');
          const [method, url] = requestLine.split(' ');
          const fields = new Map(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
          buffer = buffer.subarray(end + 4);
          const request = { connection, method, url, body: '' };
          pending = { request, length: fields.get('transfer-encoding') === 'chunked' ? 'chunked' : Number(fields.get('content-length') ?? 0), replied: false };
          upstream.received.push(request);
          if (upstream.replyOnHead) {
            pending.replied = true;
            reply(socket, request);
          }
        }
        const { request, length } = pending;
        if (length === 'chunked') {
          const lineEnd = buffer.indexOf('\r\n');
          if (lineEnd < 0) return;
          const size = Number.parseInt(buffer.subarray(0, lineEnd).toString('latin1'), 16);
          if (buffer.length < lineEnd + 2 + size + 2) return;
          request.body += buffer.subarray(lineEnd + 2, lineEnd + 2 + size).toString('latin1');
          buffer = buffer.subarray(lineEnd + 2 + size + 2);
          if (size > 0) continue;
        } else {
          if (buffer.length < length) return;
          request.body = buffer.subarray(0, length).toString('latin1');
          buffer = buffer.subarray(length);
        }
        if (!pending.replied) reply(socket, request);
        pending = undefined;
      }
    });
  });
  return new Promise((resolve) =>
    upstream.server.listen(0, '127.0.0.1', () => {
      upstream.url = `http://127.0.0.1:${(upstream.server.address() as { port: number }).port}`;
      resolve(upstream);
    }),
  );
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The answer ended before its framing said it would. */
  truncated: boolean;
}

/** Waits until `condition` holds (the gateway closes connections asynchronously), for at most three seconds. */
async function eventually(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition() && waited < 3_000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('the gateway as a client of its upstream (raw upstream)', () => {
  let upstream: RawUpstream;
  let t: TestContext;
  let app: FastifyInstance;
  let issued: Issued;
  let origin: string;

  beforeAll(async () => {
    upstream = await startRawUpstream();
    t = await createTestContext('sqlite', { config: { upstreamUrl: upstream.url } });
    const brand = await createBrand(t.context);
    issued = await issueToken(t.context, brand, { scopes: ['listActions', 'getActionById', 'updateActionOrItems'], rateLimit: { limit: 100_000, windowSeconds: 3600 } });
    app = await buildApp(t.context, { logger: false });
    await app.listen({ port: 0, host: '127.0.0.1' });
    origin = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await app?.close();
    await t?.close();
    await new Promise((resolve) => upstream?.server.close(resolve));
  });
  beforeEach(() => {
    upstream.replies.length = 0;
    upstream.replyOnHead = false;
  });

  /** One request through the gateway on a client connection of its own, its answer read to the end. */
  const send = (method = 'GET', body?: string, framing: 'length' | 'chunked' = 'length'): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const headers: Record<string, string> = { authorization: issued.authorization };
      if (body !== undefined) Object.assign(headers, { 'content-type': 'application/xml' }, framing === 'length' ? { 'content-length': String(Buffer.byteLength(body)) } : { 'transfer-encoding': 'chunked' });
      const request = http.request(`${origin}${apiPath(issued.accountSid, '/Actions')}`, { method, agent: false, headers });
      request.once('error', reject);
      request.once('response', (response) => {
        let text = '';
        response.setEncoding('latin1');
        response.on('data', (piece: string) => (text += piece));
        response.once('end', () => resolve({ status: response.statusCode!, headers: response.headers, body: text, truncated: false }));
        response.once('error', () => resolve({ status: response.statusCode!, headers: response.headers, body: text, truncated: true }));
      });
      // A chunked body goes in pieces, as a client streaming it would send it.
      if (body !== undefined && framing === 'chunked') for (let at = 0; at < body.length; at += 100_000) request.write(body.slice(at, at + 100_000));
      request.end(framing === 'chunked' ? undefined : body);
    });

  /** The connection the last request reached the upstream on. */
  const lastConnection = () => upstream.received.at(-1)!.connection;

  /** After `reply`, the client got 502 and the gateway closed that upstream connection; the next request gets a new one. */
  const expectRefusedAndDiscarded = async (reply: Reply, label: string) => {
    upstream.replies.push(reply);
    const answer = await send();
    expect(answer.status, label).toBe(502);
    expect(JSON.parse(answer.body), label).toMatchObject({ Status: 'ERROR' });
    const used = lastConnection();
    await eventually(() => upstream.closed.has(used));
    expect(upstream.closed.has(used), label).toBe(true);
    const next = await send();
    expect(next, label).toMatchObject({ status: 200, body: 'ok' });
    expect(lastConnection(), label).not.toBe(used);
  };

  describe('a malformed or ambiguous response is answered 502 and its connection discarded', () => {
    const cases: Record<string, string> = {
      'two different Content-Lengths': 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 40\r\n\r\nok',
      'two equal Content-Lengths': 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok',
      'a Content-Length list': 'HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nok',
      'a signed Content-Length': 'HTTP/1.1 200 OK\r\nContent-Length: +2\r\n\r\nok',
      'Content-Length and Transfer-Encoding': 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n',
      'Transfer-Encoding: gzip, chunked': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n',
      'Transfer-Encoding: identity': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\n\r\nok',
      'obs-fold': 'HTTP/1.1 200 OK\r\nX-Note: a\r\n b\r\nContent-Length: 2\r\n\r\nok',
      'bare LF line ends': 'HTTP/1.1 200 OK\nContent-Length: 2\n\nok',
      'a bare LF inside an otherwise CRLF head': 'HTTP/1.1 200 OK\r\nX-A: 1\nContent-Length: 2\r\n\r\nok',
      'whitespace before a colon': 'HTTP/1.1 200 OK\r\nContent-Length : 2\r\n\r\nok',
      'NUL in a value': 'HTTP/1.1 200 OK\r\nX-A: a\0b\r\nContent-Length: 2\r\n\r\nok',
      'a malformed status line': 'HTTP/1.1 2000 OK\r\nContent-Length: 2\r\n\r\nok',
      'not HTTP at all': 'SSH-2.0-OpenSSH_9.6\r\n\r\n',
      'an unsolicited 101': 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
      'Transfer-Encoding on a 204': 'HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      'a chunk size that is not hexadecimal': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nok\r\n0\r\n\r\n',
      'a signed chunk size': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n+2\r\nok\r\n0\r\n\r\n',
      'a chunk size with a bare LF': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\nok\r\n0\r\n\r\n',
      'a chunk size beyond any body': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\nok\r\n0\r\n\r\n',
      'chunk data longer than its size': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokEXTRA\r\n0\r\n\r\n',
      'a malformed trailer field': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nX-Trailer : 1\r\n\r\n',
      'a head longer than node:http reads': `HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(20_000)}\r\nContent-Length: 2\r\n\r\nok`,
    };
    for (const [label, reply] of Object.entries(cases)) {
      it(label, async () => {
        await expectRefusedAndDiscarded(reply, label);
      });
    }

    it('an upstream that closes before answering, or inside its head', async () => {
      await expectRefusedAndDiscarded((socket) => socket.destroy(), 'closed before answering');
      await expectRefusedAndDiscarded((socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Len'), 'closed inside the head');
    });
  });

  describe('a response refused after its head was forwarded ends the client connection instead', () => {
    it('chunk data longer than its size, a bad chunk size, and a malformed trailer, sent after the first chunk', async () => {
      for (const rest of ['okEXTRA\r\n0\r\n\r\n', 'ok\r\nzz\r\n', 'ok\r\n0\r\nX-Trailer : 1\r\n\r\n']) {
        upstream.replies.push((socket) => {
          socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n2\r\n');
          setTimeout(() => socket.write(rest), 50);
        });
        const answer = await send();
        expect(answer.status).toBe(200);
        expect(answer.truncated).toBe(true);
        const used = lastConnection();
        await eventually(() => upstream.closed.has(used));
        expect(upstream.closed.has(used)).toBe(true);
      }
    });

    it('an upstream that closes inside a body framed by its length', async () => {
      upstream.replies.push((socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort'));
      const answer = await send();
      expect(answer.status).toBe(200);
      expect(answer.truncated).toBe(true);
    });
  });

  describe('connection reuse', () => {
    it('a connection whose response was read to its end, by length or by chunks, carries the next request', async () => {
      await send();
      const first = lastConnection();
      upstream.replies.push('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nX-Checksum: 1\r\n\r\n');
      expect(await send()).toMatchObject({ status: 200, body: 'abcde' });
      expect(lastConnection()).toBe(first);
      upstream.replies.push('HTTP/1.1 201 Created\r\nContent-Length: 5\r\n\r\nhello');
      expect(await send('PUT', '<Action/>')).toMatchObject({ status: 201, body: 'hello' });
      expect(upstream.received.at(-1)!.body).toBe('<Action/>');
      expect(lastConnection()).toBe(first);
    });

    it('large bodies stream both ways, by length and by chunks, and the connection is still reused', async () => {
      await send();
      const first = lastConnection();
      const big = 'x'.repeat(3 * 1024 * 1024);
      upstream.replies.push((socket) => socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${big.length}\r\n\r\n${big}`));
      const sized = await send('PUT', big);
      expect(upstream.received.at(-1)!.body).toBe(big);
      expect(sized).toMatchObject({ status: 200, body: big });
      expect((await send('PUT', big, 'chunked')).status).toBe(200);
      expect(upstream.received.at(-1)!.body).toBe(big);
      upstream.replies.push((socket) => {
        socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n');
        for (let at = 0; at < big.length; at += 1000) {
          const piece = big.slice(at, at + 1000);
          socket.write(`${piece.length.toString(16)}\r\n${piece}\r\n`);
        }
        socket.write('0\r\n\r\n');
      });
      const chunked = await send();
      expect(chunked).toMatchObject({ status: 200, truncated: false });
      expect(chunked.body).toBe(big);
      expect(lastConnection()).toBe(first);
    });

    it('interim responses are read and skipped: the client gets the final one, and the connection is reused', async () => {
      await send();
      const first = lastConnection();
      upstream.replies.push('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfinal');
      const answer = await send();
      expect(answer).toMatchObject({ status: 200, body: 'final' });
      expect(answer.headers.link).toBeUndefined();
      expect((await send()).status).toBe(200);
      expect(lastConnection()).toBe(first);
    });

    it('a HEAD response, a 204 and a 304 have no body, whatever length they declare, and the connection is reused', async () => {
      await send();
      const first = lastConnection();
      upstream.replies.push('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n');
      expect(await send('HEAD')).toMatchObject({ status: 200, body: '' });
      upstream.replies.push('HTTP/1.1 204 No Content\r\n\r\n', 'HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n');
      expect(await send()).toMatchObject({ status: 204, body: '' });
      expect(await send()).toMatchObject({ status: 304, body: '' });
      expect(await send()).toMatchObject({ status: 200, body: 'ok' });
      expect(lastConnection()).toBe(first);
    });

    it('a body delimited by the upstream closing is forwarded whole, and its connection is not reused', async () => {
      upstream.replies.push((socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end'));
      expect(await send()).toMatchObject({ status: 200, body: 'until the end', truncated: false });
      const used = lastConnection();
      expect((await send()).status).toBe(200);
      expect(lastConnection()).not.toBe(used);
    });

    it('after Connection: close, an HTTP/1.0 response, or bytes after the end of a response, the connection is discarded', async () => {
      for (const reply of ['HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok', 'HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok', `${OK}HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nforged`]) {
        upstream.replies.push(reply);
        expect(await send(), reply).toMatchObject({ status: 200, body: 'ok' });
        const used = lastConnection();
        await eventually(() => upstream.closed.has(used));
        expect(upstream.closed.has(used), reply).toBe(true);
        const next = await send();
        expect(next, reply).toMatchObject({ status: 200, body: 'ok' });
        expect(lastConnection(), reply).not.toBe(used);
      }
    });

    it('bytes an idle connection receives unasked make the gateway close it', async () => {
      let idle: Socket | undefined;
      upstream.replies.push((socket) => {
        idle = socket;
        socket.write(OK);
      });
      await send();
      const used = lastConnection();
      idle!.write('HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nforged');
      await eventually(() => upstream.closed.has(used));
      expect(upstream.closed.has(used)).toBe(true);
      expect(await send()).toMatchObject({ status: 200, body: 'ok' });
      expect(lastConnection()).not.toBe(used);
    });
  });

  it('a response that comes before the request body ended closes the client connection and the upstream one', async () => {
    upstream.replyOnHead = true;
    upstream.replies.push('HTTP/1.1 413 Content Too Large\r\nContent-Length: 8\r\n\r\ntoo much');
    const client = connect(Number(new URL(origin).port), '127.0.0.1');
    let received = '';
    client.setEncoding('latin1');
    client.on('data', (piece: string) => (received += piece));
    const closed = new Promise((resolve) => client.once('close', resolve));
    client.write(`PUT ${apiPath(issued.accountSid, '/Actions')} HTTP/1.1\r\nHost: gateway\r\nAuthorization: ${issued.authorization}\r\nContent-Type: application/xml\r\nContent-Length: 100\r\n\r\n<Action>`);
    await eventually(() => received.includes('too much'));
    expect(received).toMatch(/^HTTP\/1\.1 413 /);
    expect(received.toLowerCase()).toContain('connection: close');
    const used = lastConnection();
    await eventually(() => upstream.closed.has(used));
    expect(upstream.closed.has(used)).toBe(true);
    client.end();
    await closed;
  });

  it('a client that goes away ends the upstream exchange and its connection', async () => {
    let answering: Socket | undefined;
    upstream.replies.push((socket) => (answering = socket));
    const client = connect(Number(new URL(origin).port), '127.0.0.1');
    client.write(`GET ${apiPath(issued.accountSid, '/Actions')} HTTP/1.1\r\nHost: gateway\r\nAuthorization: ${issued.authorization}\r\n\r\n`);
    await eventually(() => answering !== undefined);
    const used = lastConnection();
    client.destroy();
    await eventually(() => upstream.closed.has(used));
    expect(upstream.closed.has(used)).toBe(true);
  });

  it('an upstream that cannot be reached is answered 502', async () => {
    const unreachable = await createTestContext('sqlite', { config: { upstreamUrl: 'http://127.0.0.1:1' } });
    const brand = await createBrand(unreachable.context);
    const token = await issueToken(unreachable.context, brand);
    const gateway = await buildApp(unreachable.context, { logger: false });
    try {
      const answer = await gateway.inject({ method: 'GET', url: apiPath(token.accountSid, '/Actions'), headers: { authorization: token.authorization } });
      expect(answer.statusCode).toBe(502);
      expect(answer.json()).toMatchObject({ Status: 'ERROR' });
    } finally {
      await gateway.close();
      await unreachable.close();
    }
  });

  it('an upstream silent for longer than the timeout is answered 504, and its connection discarded', async () => {
    // The proxy on its own, in front of the same upstream, with a timeout a test can wait for.
    const proxy = createProxy(upstream.url, { timeoutMs: 200 });
    const front = http.createServer((req, res) => proxy.forward(req, res, { target: req.url!, requestHeaders: {}, dropRequestHeader: () => false, peerTrusted: false }));
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    try {
      upstream.replies.push(() => {});
      const answer = await fetch(`http://127.0.0.1:${(front.address() as { port: number }).port}/silent`);
      expect(answer.status).toBe(504);
      const used = lastConnection();
      await eventually(() => upstream.closed.has(used));
      expect(upstream.closed.has(used)).toBe(true);
    } finally {
      proxy.close();
      await new Promise((resolve) => front.close(resolve));
    }
  });
});
