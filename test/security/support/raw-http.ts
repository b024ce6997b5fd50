/**
 * HTTP/1.1 over raw sockets, so the request target goes on the wire byte for byte as the test wrote it: no
 * client normalises it, percent-encodes it or refuses a character in it. Keep-alive connections, a bounded
 * number of them, one request in flight on each.
 */
import { type Socket, connect } from 'node:net';

export interface RawResponse {
  status: number;
  /** Lower-cased names; a repeated header keeps every value, joined by ", ". */
  headers: Record<string, string>;
  body: Buffer;
  /** Size of the status line and headers on the wire, in bytes. */
  headBytes: number;
}

export interface RawRequest {
  method: string;
  /** The request target exactly as sent (a string is written as UTF-8). */
  target: string | Buffer;
  headers?: [string, string][];
  body?: string | Buffer;
}

/** A response of status 0 means the peer closed the connection (or reset it) without answering. */
export const NO_ANSWER = 0;

interface Pending {
  request: RawRequest;
  resolve: (response: RawResponse) => void;
  reject: (error: Error) => void;
  retried?: boolean;
}

export class RawHttpClient {
  private readonly idle: Connection[] = [];
  private readonly queue: Pending[] = [];
  private open = 0;

  constructor(
    readonly port: number,
    readonly options: { concurrency?: number; host?: string; timeoutMs?: number } = {},
  ) {}

  request(request: RawRequest): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      this.pump();
    });
  }

  /** Sends every request with at most `concurrency` in flight; the answers come back in the same order. */
  all(requests: RawRequest[]): Promise<RawResponse[]> {
    return Promise.all(requests.map((r) => this.request(r)));
  }

  close(): void {
    for (const connection of this.idle.splice(0)) connection.socket.destroy();
  }

  private pump(): void {
    while (this.queue.length > 0) {
      const fresh = this.queue[0].retried === true;
      let connection = fresh ? undefined : this.idle.pop();
      while (connection && !connection.reusable) {
        this.open--;
        connection = this.idle.pop();
      }
      if (!connection) {
        if (this.open >= (this.options.concurrency ?? 16) && !fresh) return;
        this.open++;
        connection = new Connection(this.port, this.options.host ?? '127.0.0.1', this.options.timeoutMs ?? 15_000);
      }
      const pending = this.queue.shift()!;
      const used = connection;
      const reused = used.served > 0;
      used.send(pending.request).then(
        (response) => {
          if (used.reusable) this.idle.push(used);
          else this.open--;
          // No byte back on a kept-alive connection: the peer may have closed it while idle, so the request is
          // sent once more on a new connection (whose answer, or silence, then counts).
          if (response.status === NO_ANSWER && reused && response.body.length === 0 && !pending.retried) {
            pending.retried = true;
            this.queue.unshift(pending);
          }
          else pending.resolve(response);
          this.pump();
        },
        (error: Error) => {
          this.open--;
          pending.reject(error);
          this.pump();
        },
      );
    }
  }
}

class Connection {
  readonly socket: Socket;
  reusable = true;
  served = 0;
  private buffer: Buffer = Buffer.alloc(0);
  private onData?: () => void;
  private ended = false;

  constructor(port: number, host: string, private readonly timeoutMs: number) {
    this.socket = connect(port, host);
    this.socket.setNoDelay(true);
    this.socket.on('data', (chunk: Buffer) => {
      this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
      this.onData?.();
    });
    const finish = () => {
      this.ended = true;
      this.reusable = false;
      this.onData?.();
    };
    this.socket.on('end', finish);
    this.socket.on('close', finish);
    this.socket.on('error', finish);
  }

  send(request: RawRequest): Promise<RawResponse> {
    const head = [`${request.method} `, request.target, ' HTTP/1.1\r\n'];
    const headers = request.headers ?? [];
    const names = new Set(headers.map(([n]) => n.toLowerCase()));
    let text = '';
    if (!names.has('host')) text += 'Host: 127.0.0.1\r\n';
    for (const [name, value] of headers) text += `${name}: ${value}\r\n`;
    const body = request.body === undefined ? undefined : Buffer.from(request.body);
    if (body && !names.has('content-length') && !names.has('transfer-encoding')) text += `Content-Length: ${body.length}\r\n`;
    text += '\r\n';
    const bytes = Buffer.concat([...head.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p)), Buffer.from(text, 'utf8'), ...(body ? [body] : [])]);
    const isHead = request.method.toUpperCase() === 'HEAD';
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.onData = undefined;
        this.reusable = false;
        this.socket.destroy();
        reject(new Error(`no complete answer within ${this.timeoutMs} ms to ${request.method} ${String(request.target).slice(0, 200)}`));
      }, this.timeoutMs);
      this.onData = () => {
        const parsed = parseResponse(this.buffer, isHead, this.ended);
        if (parsed === 'incomplete') return;
        clearTimeout(timer);
        this.onData = undefined;
        if (parsed === 'none') {
          this.reusable = false;
          this.socket.destroy();
          return resolve({ status: NO_ANSWER, headers: {}, body: this.buffer, headBytes: 0 });
        }
        this.served++;
        this.buffer = this.buffer.subarray(parsed.consumed);
        if (parsed.close || this.ended) {
          this.reusable = false;
          this.socket.destroy();
        }
        resolve(parsed.response);
      };
      this.socket.write(bytes);
      if (this.ended || this.buffer.length > 0) this.onData();
    });
  }
}

type Parsed = 'incomplete' | 'none' | { response: RawResponse; consumed: number; close: boolean };

/** One response from the start of `buffer`; 'none' when the peer ended the connection before one was complete. */
function parseResponse(buffer: Buffer, isHead: boolean, ended: boolean): Parsed {
  const headEnd = buffer.indexOf('\r\n\r\n');
  if (headEnd < 0) return ended ? 'none' : 'incomplete';
  const lines = buffer.subarray(0, headEnd).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0])?.[1] ?? NaN);
  if (!Number.isInteger(status)) return 'none';
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  if (status >= 100 && status < 200) {
    // An interim answer: skip it and read the final one.
    const rest = parseResponse(buffer.subarray(headEnd + 4), isHead, ended);
    return typeof rest === 'string' ? rest : { ...rest, consumed: rest.consumed + headEnd + 4 };
  }
  const start = headEnd + 4;
  const close = /\bclose\b/i.test(headers.connection ?? '');
  const headBytes = start;
  if (isHead || status === 204 || status === 304) return { response: { status, headers, body: Buffer.alloc(0), headBytes }, consumed: start, close };
  if (/\bchunked\b/i.test(headers['transfer-encoding'] ?? '')) {
    const chunks: Buffer[] = [];
    let at = start;
    for (;;) {
      const lineEnd = buffer.indexOf('\r\n', at);
      if (lineEnd < 0) return ended ? 'none' : 'incomplete';
      const size = parseInt(buffer.subarray(at, lineEnd).toString('latin1'), 16);
      if (!Number.isFinite(size)) return 'none';
      if (size === 0) {
        const trailerEnd = buffer.indexOf('\r\n', lineEnd + 2);
        if (trailerEnd < 0) return ended ? 'none' : 'incomplete';
        return { response: { status, headers, body: Buffer.concat(chunks), headBytes }, consumed: trailerEnd + 2, close };
      }
      if (buffer.length < lineEnd + 2 + size + 2) return ended ? 'none' : 'incomplete';
      chunks.push(buffer.subarray(lineEnd + 2, lineEnd + 2 + size));
      at = lineEnd + 2 + size + 2;
    }
  }
  if (headers['content-length'] !== undefined) {
    const length = Number(headers['content-length']);
    if (buffer.length < start + length) return ended ? 'none' : 'incomplete';
    return { response: { status, headers, body: buffer.subarray(start, start + length), headBytes }, consumed: start + length, close };
  }
  // No framing: the body runs to the end of the connection.
  if (!ended) return 'incomplete';
  return { response: { status, headers, body: buffer.subarray(start), headBytes }, consumed: buffer.length, close: true };
}

/** The JSON body of a response, or undefined. */
export function jsonOf(response: RawResponse): any {
  try {
    return JSON.parse(response.body.toString('utf8'));
  } catch {
    return undefined;
  }
}
