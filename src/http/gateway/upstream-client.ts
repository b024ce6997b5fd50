/**
 * The gateway's HTTP/1.1 client to its one upstream, over net.Socket (tls.TLSSocket for an https upstream) with
 * its own keep-alive pool. It does what the proxy needs and nothing else: it writes a request head the proxy
 * built (one string) and the request body, framed as the head says, and reads the response framing itself, by
 * the rules of domain/upstream-response.ts.
 *
 * The contract:
 * - A connection carries one exchange at a time (no pipelining). It goes back to the pool only when its response
 *   was read to its last byte, framed by a length or by chunks, the request was sent in full, the upstream did
 *   not ask to close, and not one byte more arrived. Anything else — a malformed or ambiguous response, bytes
 *   the gateway did not ask for, a close-delimited body, an aborted exchange — destroys it.
 * - Interim (1xx) responses are read and skipped; the answer sees the final response only.
 * - An exchange fails once, with why: `unreachable` (no connection, or it broke before the response head),
 *   `malformed` (the response was refused), `closed` (the upstream closed inside a response), or `timeout` (the
 *   upstream sent nothing for `timeoutMs` while the exchange waited on it).
 */
import type { IncomingMessage } from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import { MAX_CHUNK_SIZE_LINE, MAX_HEAD_BYTES, MAX_INTERIM_RESPONSES, parseChunkSize, parseFieldLine, parseResponseHead, type ResponseHead } from '../../domain/upstream-response.js';

export type UpstreamFailure = 'unreachable' | 'malformed' | 'closed' | 'timeout';

/** What the exchange tells whoever answers the client, in this order: head, body pieces, end — or failed, once. */
export interface UpstreamAnswer {
  /** The final response's head. */
  head(head: ResponseHead): void;
  /** A piece of the body, valid until the next call; false asks for no more until the exchange is resumed. */
  body(piece: Buffer): boolean;
  /** The body ended; `last` is its final piece (a body that came in one read is all there). */
  end(last: Buffer | undefined): void;
  failed(failure: UpstreamFailure, why: string): void;
}

/** The request body to send after the head, framed as the head declared. */
interface RequestBody {
  /** The client's request: its buffered body is written with the head, the rest streamed as it comes. */
  source: IncomingMessage;
  /** Re-chunked (without extensions or trailers) rather than sent as its Content-Length declared. */
  chunked: boolean;
}

export interface UpstreamExchange {
  /** The client went away: the exchange ends and its connection is not reused. */
  abort(): void;
  /** The answer can take more of the body again. */
  resume(): void;
}

export interface UpstreamClient {
  /** Sends `head` (the request line and fields, ending in the blank line) and `body` on a pooled connection. */
  send(method: string, head: string, body: RequestBody | undefined, answer: UpstreamAnswer): UpstreamExchange;
  close(): void;
}

export interface UpstreamClientOptions {
  /** The upstream sent nothing for this long while an exchange waited on it: the exchange fails with `timeout`. */
  timeoutMs: number;
  /** Connections at once; an exchange beyond them waits for one to come back. */
  maxConnections?: number;
  /** Idle connections kept. */
  maxIdle?: number;
}

/**
 * How long an idle connection is kept when the upstream does not say (`Keep-Alive: timeout=N`): short, because a
 * server that closes it first would race the next request on it. With the hint, one second less than it says.
 */
const DEFAULT_IDLE_MS = 4_000;
const IDLE_MARGIN_MS = 1_000;
const CRLF_CRLF = Buffer.from('\r\n\r\n', 'latin1');
const BARE_LF_HEAD_END = Buffer.from('\n\n', 'latin1');
const LAST_CHUNK = '0\r\n\r\n';
const CR = 0x0d;
const LF = 0x0a;

enum Reading {
  Head,
  Length,
  UntilClose,
  ChunkSize,
  ChunkData,
  ChunkEnd,
  Trailers,
  Done,
}

enum Sending {
  Streaming,
  Sent,
}

class Exchange implements UpstreamExchange {
  connection: Connection | undefined;
  finished = false;
  /** Sweeps of the timeout clock since the upstream last sent (or the exchange last sent) something. */
  quietSweeps = 0;
  sending = Sending.Sent;
  constructor(
    readonly client: Client,
    readonly method: string,
    readonly head: string,
    readonly body: RequestBody | undefined,
    readonly answer: UpstreamAnswer,
  ) {}

  abort(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.connection) this.connection.discard();
    else this.client.unqueue(this);
  }

  resume(): void {
    this.connection?.socket.resume();
  }
}

class Connection {
  exchange: Exchange | undefined;
  idleUntil = 0;
  private reading = Reading.Done;
  private unread: Buffer | undefined;
  private response: ResponseHead | undefined;
  private remaining = 0;
  private interim = 0;
  private trailerBytes = 0;
  /**
   * The final head and the last body piece read are held back to the end of the read they came in: a response
   * refused within that read is answered 502 rather than cut short, and the piece that ends the body goes out
   * with the end.
   */
  private headHeld = false;
  private piece: Buffer | undefined;
  private readonly onBodyData = (chunk: Buffer) => this.sendBodyChunk(chunk);
  private readonly onBodyEnd = () => this.bodySent();
  private readonly onBodyDrain = () => this.exchange?.body?.source.resume();

  constructor(
    readonly client: Client,
    readonly socket: net.Socket,
  ) {
    socket.on('data', (chunk: Buffer) => this.read(chunk));
    socket.on('end', () => this.upstreamEnded());
    socket.on('error', () => this.broken());
    socket.on('close', () => this.closed());
  }

  start(exchange: Exchange): void {
    this.exchange = exchange;
    exchange.connection = this;
    this.reading = Reading.Head;
    this.interim = 0;
    this.response = undefined;
    const { socket } = this;
    const body = exchange.body;
    if (body === undefined) {
      socket.write(exchange.head, 'latin1');
      return;
    }
    const { source, chunked } = body;
    if (source.complete) {
      // All of the body has been parsed already: one write with the head.
      const buffered = source.readableLength > 0 ? (source.read() as Buffer | null) : null;
      source.resume();
      socket.cork();
      socket.write(exchange.head, 'latin1');
      if (buffered !== null && buffered.length > 0) this.writeBody(buffered, chunked);
      if (chunked) socket.write(LAST_CHUNK, 'latin1');
      socket.uncork();
      return;
    }
    exchange.sending = Sending.Streaming;
    socket.write(exchange.head, 'latin1');
    source.on('data', this.onBodyData);
    source.once('end', this.onBodyEnd);
    socket.on('drain', this.onBodyDrain);
  }

  private writeBody(chunk: Buffer, chunked: boolean): boolean {
    if (!chunked) return this.socket.write(chunk);
    this.socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
    this.socket.write(chunk);
    return this.socket.write('\r\n', 'latin1');
  }

  private sendBodyChunk(chunk: Buffer): void {
    const exchange = this.exchange!;
    exchange.quietSweeps = 0;
    if (chunk.length === 0) return;
    const { socket } = this;
    socket.cork();
    const more = this.writeBody(chunk, exchange.body!.chunked);
    socket.uncork();
    if (!more) exchange.body!.source.pause();
  }

  private bodySent(): void {
    const exchange = this.exchange!;
    if (exchange.body!.chunked) this.socket.write(LAST_CHUNK, 'latin1');
    this.stopStreaming(exchange);
  }

  private stopStreaming(exchange: Exchange): void {
    if (exchange.sending !== Sending.Streaming) return;
    exchange.sending = Sending.Sent;
    const source = exchange.body!.source;
    source.off('data', this.onBodyData);
    source.off('end', this.onBodyEnd);
    this.socket.off('drain', this.onBodyDrain);
  }

  private read(chunk: Buffer): void {
    const exchange = this.exchange;
    if (exchange === undefined) {
      // Nothing was asked on this connection: whatever this is, it is not an answer.
      this.socket.destroy();
      return;
    }
    exchange.quietSweeps = 0;
    const refused = this.parse(exchange, chunk);
    if (refused !== undefined && this.exchange === exchange) this.fail(exchange, 'malformed', `the upstream's response was refused: ${refused}`);
  }

  /**
   * The response bytes as they come: one pass over each read, the framing state carried across reads. Returns
   * why the response is refused, if it is.
   */
  private parse(exchange: Exchange, chunk: Buffer): string | undefined {
    let data = chunk;
    if (this.unread !== undefined) {
      data = Buffer.concat([this.unread, chunk]);
      this.unread = undefined;
    }
    let at = 0;
    // The answer may abort the exchange whenever it is handed something: then nothing more is read.
    while (at < data.length && this.exchange === exchange) {
      switch (this.reading) {
        case Reading.Head: {
          const end = data.indexOf(CRLF_CRLF, at);
          if (end < 0) {
            if (data.indexOf(BARE_LF_HEAD_END, at) >= 0) return 'a bare LF line end';
            if (data.length - at > MAX_HEAD_BYTES) return 'a response head longer than the gateway reads';
            this.unread = data.subarray(at);
            return undefined;
          }
          if (end - at > MAX_HEAD_BYTES) return 'a response head longer than the gateway reads';
          const head = parseResponseHead(data.toString('latin1', at, end), exchange.method);
          if ('refused' in head) return head.refused;
          at = end + 4;
          if (head.interim) {
            if (++this.interim > MAX_INTERIM_RESPONSES) return 'more interim responses than the gateway reads';
            continue;
          }
          this.response = head;
          this.headHeld = true;
          const { framing } = head;
          if (framing.kind === 'none' || (framing.kind === 'length' && framing.length === 0)) this.reading = Reading.Done;
          else if (framing.kind === 'length') {
            this.reading = Reading.Length;
            this.remaining = framing.length;
          } else if (framing.kind === 'chunked') this.reading = Reading.ChunkSize;
          else this.reading = Reading.UntilClose;
          break;
        }
        case Reading.Length:
        case Reading.ChunkData: {
          const take = Math.min(this.remaining, data.length - at);
          this.deliver(data.subarray(at, at + take));
          at += take;
          this.remaining -= take;
          if (this.remaining === 0) this.reading = this.reading === Reading.Length ? Reading.Done : Reading.ChunkEnd;
          break;
        }
        case Reading.UntilClose:
          this.deliver(at === 0 ? data : data.subarray(at));
          at = data.length;
          break;
        case Reading.ChunkSize: {
          const lineEnd = data.indexOf('\r\n', at, 'latin1');
          if (lineEnd < 0) {
            const partial = data.subarray(at);
            if (partial.includes(LF)) return 'a bare LF line end in the chunked body';
            if (partial.length > MAX_CHUNK_SIZE_LINE) return 'a chunk-size line longer than the gateway reads';
            this.unread = partial;
            at = data.length;
            break;
          }
          const size = parseChunkSize(data.toString('latin1', at, lineEnd));
          if (size === undefined) return 'a malformed chunk-size line';
          at = lineEnd + 2;
          if (size === 0) {
            this.reading = Reading.Trailers;
            this.trailerBytes = 0;
          } else {
            this.reading = Reading.ChunkData;
            this.remaining = size;
          }
          break;
        }
        case Reading.ChunkEnd: {
          if (data[at] !== CR || (at + 1 < data.length && data[at + 1] !== LF)) return 'chunk data longer than its size';
          if (at + 1 === data.length) {
            this.unread = data.subarray(at);
            at = data.length;
            break;
          }
          at += 2;
          this.reading = Reading.ChunkSize;
          break;
        }
        case Reading.Trailers: {
          // Trailer fields are read (strictly, as head fields) and not forwarded.
          const lineEnd = data.indexOf('\r\n', at, 'latin1');
          const length = (lineEnd < 0 ? data.length : lineEnd) - at;
          if (this.trailerBytes + length > MAX_HEAD_BYTES) return 'a trailer section longer than the gateway reads';
          if (lineEnd < 0) {
            if (data.subarray(at).includes(LF)) return 'a bare LF line end in the trailer section';
            this.unread = data.subarray(at);
            at = data.length;
            break;
          }
          if (lineEnd > at && parseFieldLine(data.toString('latin1', at, lineEnd)) === undefined) return 'a malformed trailer field';
          this.trailerBytes += length + 2;
          if (lineEnd === at) this.reading = Reading.Done;
          at = lineEnd + 2;
          break;
        }
      }
      // Bytes after the end of the response make the connection unusable: the next "response" would be theirs.
      if (this.reading === Reading.Done) {
        this.finish(exchange, at === data.length);
        return undefined;
      }
    }
    if (this.exchange === exchange) this.flushPiece(exchange);
    return undefined;
  }

  private deliver(piece: Buffer): void {
    if (this.piece !== undefined) this.flushPiece(this.exchange!);
    this.piece = piece;
  }

  /** Hands the held head and piece on; false when the answer aborted the exchange. */
  private flushPiece(exchange: Exchange): boolean {
    if (!this.handHead(exchange)) return false;
    const piece = this.piece;
    if (piece === undefined) return true;
    this.piece = undefined;
    if (!exchange.answer.body(piece) && this.exchange === exchange) this.socket.pause();
    return this.exchange === exchange;
  }

  private handHead(exchange: Exchange): boolean {
    if (!this.headHeld) return true;
    this.headHeld = false;
    exchange.answer.head(this.response!);
    return this.exchange === exchange;
  }

  /** The response was read to its end; `clean` when nothing followed it in the read. */
  private finish(exchange: Exchange, clean: boolean): void {
    if (this.exchange !== exchange || !this.handHead(exchange)) return;
    const last = this.piece;
    this.piece = undefined;
    const reusable = clean && this.response!.reusable && exchange.sending === Sending.Sent;
    this.stopStreaming(exchange);
    exchange.finished = true;
    exchange.connection = undefined;
    this.exchange = undefined;
    exchange.answer.end(last);
    if (reusable && !this.socket.destroyed) this.client.release(this, this.response!.keepAliveSeconds);
    else this.socket.destroy();
  }

  fail(exchange: Exchange, failure: UpstreamFailure, why: string): void {
    exchange.finished = true;
    this.discard();
    exchange.answer.failed(failure, why);
  }

  /** Ends the exchange on this connection without a word to the answer, and the connection with it. */
  discard(): void {
    const exchange = this.exchange;
    this.piece = undefined;
    this.headHeld = false;
    if (exchange !== undefined) {
      this.stopStreaming(exchange);
      exchange.connection = undefined;
    }
    this.exchange = undefined;
    this.socket.destroy();
  }

  private upstreamEnded(): void {
    const exchange = this.exchange;
    if (exchange === undefined) return;
    if (this.reading === Reading.UntilClose) this.finish(exchange, false);
    else if (this.reading === Reading.Head && this.response === undefined) this.fail(exchange, 'unreachable', 'the upstream closed the connection before answering');
    else this.fail(exchange, 'closed', 'the upstream closed the connection inside its response');
  }

  private broken(): void {
    const exchange = this.exchange;
    if (exchange !== undefined) this.fail(exchange, this.response === undefined ? 'unreachable' : 'closed', 'the upstream connection failed');
  }

  private closed(): void {
    this.broken();
    this.client.forget(this);
  }
}

class Client implements UpstreamClient {
  private readonly idle: Connection[] = [];
  private readonly connections = new Set<Connection>();
  private readonly waiting: Exchange[] = [];
  private readonly sweeper: NodeJS.Timeout;
  private readonly sweepsToTimeout: number;
  private readonly maxConnections: number;
  private readonly maxIdle: number;
  private session: Buffer | undefined;
  private readonly hostname: string;
  private readonly port: number;
  private readonly secure: boolean;

  constructor(upstream: URL, options: UpstreamClientOptions) {
    this.secure = upstream.protocol === 'https:';
    this.hostname = upstream.hostname.startsWith('[') ? upstream.hostname.slice(1, -1) : upstream.hostname;
    this.port = Number(upstream.port || (this.secure ? 443 : 80));
    this.maxConnections = options.maxConnections ?? 512;
    this.maxIdle = options.maxIdle ?? 256;
    // One clock for every exchange, a tenth of the timeout a tick, instead of a timer per request.
    const tick = Math.max(10, Math.floor(options.timeoutMs / 10));
    this.sweepsToTimeout = Math.ceil(options.timeoutMs / tick);
    this.sweeper = setInterval(() => this.sweep(), tick).unref();
  }

  send(method: string, head: string, body: RequestBody | undefined, answer: UpstreamAnswer): UpstreamExchange {
    const exchange = new Exchange(this, method, head, body, answer);
    const connection = this.acquire();
    if (connection === undefined) this.waiting.push(exchange);
    else connection.start(exchange);
    return exchange;
  }

  private acquire(): Connection | undefined {
    const now = Date.now();
    for (let connection = this.idle.pop(); connection !== undefined; connection = this.idle.pop()) {
      if (connection.idleUntil > now && !connection.socket.destroyed) return connection;
      connection.socket.destroy();
    }
    if (this.connections.size >= this.maxConnections) return undefined;
    return this.connect();
  }

  private connect(): Connection {
    const { hostname, port } = this;
    const socket = this.secure ? tls.connect({ host: hostname, port, servername: net.isIP(hostname) ? undefined : hostname, ALPNProtocols: ['http/1.1'], session: this.session }) : net.connect({ host: hostname, port });
    if (this.secure) socket.on('session', (session: Buffer) => (this.session = session));
    // Every request is written in one go (cork/uncork): nothing to gain from Nagle's delay, a round trip to lose.
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 1_000);
    const connection = new Connection(this, socket);
    this.connections.add(connection);
    return connection;
  }

  release(connection: Connection, keepAliveSeconds: number | undefined): void {
    const next = this.waiting.shift();
    if (next !== undefined) connection.start(next);
    else if (this.idle.length >= this.maxIdle) connection.socket.destroy();
    else {
      connection.idleUntil = Date.now() + (keepAliveSeconds === undefined ? DEFAULT_IDLE_MS : keepAliveSeconds * 1000 - IDLE_MARGIN_MS);
      this.idle.push(connection);
    }
  }

  forget(connection: Connection): void {
    this.connections.delete(connection);
    const at = this.idle.indexOf(connection);
    if (at >= 0) this.idle.splice(at, 1);
    // A connection's place is free: the first exchange waiting gets a new one.
    const next = this.waiting.shift();
    if (next !== undefined) this.connect().start(next);
  }

  unqueue(exchange: Exchange): void {
    const at = this.waiting.indexOf(exchange);
    if (at >= 0) this.waiting.splice(at, 1);
  }

  private sweep(): void {
    const now = Date.now();
    for (const connection of this.connections) {
      const exchange = connection.exchange;
      if (exchange !== undefined) {
        if (++exchange.quietSweeps >= this.sweepsToTimeout) connection.fail(exchange, 'timeout', 'the upstream did not answer in time');
      } else if (connection.idleUntil <= now && this.idle.includes(connection)) connection.socket.destroy();
    }
    for (const exchange of [...this.waiting]) {
      if (++exchange.quietSweeps >= this.sweepsToTimeout) {
        this.unqueue(exchange);
        exchange.finished = true;
        exchange.answer.failed('timeout', 'no upstream connection came free in time');
      }
    }
  }

  close(): void {
    clearInterval(this.sweeper);
    for (const exchange of this.waiting.splice(0)) exchange.abort();
    for (const connection of this.connections) connection.discard();
  }
}

/** The client for `upstream` (an http: or https: origin). */
export function createUpstreamClient(upstream: URL, options: UpstreamClientOptions): UpstreamClient {
  return new Client(upstream, options);
}
