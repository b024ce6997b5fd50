/**
 * How the gateway reads its upstream's HTTP/1.1 responses: pure rules over the response head (as latin1 text,
 * one character a byte) and the chunk-size lines of a chunked body. They are strict on purpose: a response
 * whose framing two parsers could read differently is refused (the client gets 502) and its connection is
 * never used again, because the bytes after it could be read as the answer to the next client's request.
 *
 * Refused: a status line that is not `HTTP/1.x NNN[ reason]`, any line end that is not CRLF, obs-fold, a field
 * name that is not a token or has whitespace before its colon, control characters in a value, more than one
 * Content-Length (or a list, or a sign), Content-Length with Transfer-Encoding, a Transfer-Encoding other than
 * one `chunked` (the gateway re-frames bodies and forwards no transfer coding), framing on a response that has
 * no body by definition (1xx, 204), and a 101 (the gateway never asks to switch protocols).
 */
import { connectionListed } from './forwarding.js';

/** How the body of a final response is delimited (RFC 9112 §6.3). */
type ResponseFraming =
  /** No body: the request was HEAD, or the status is 204 or 304. */
  | { kind: 'none' }
  | { kind: 'length'; length: number }
  | { kind: 'chunked' }
  /** Until the upstream closes the connection: it cannot carry another response. */
  | { kind: 'close' };

export interface ResponseHead {
  /** An interim (1xx) response: another head follows on the same connection. */
  interim: boolean;
  status: number;
  reason: string;
  /** Field names as sent and values without their surrounding whitespace, alternating, in order. */
  rawHeaders: string[];
  framing: ResponseFraming;
  /** Lower-case names the Connection field lists (besides close and keep-alive): hop-by-hop for this response. */
  connectionListed: readonly string[];
  /** Whether the connection may carry the next request once this response is read (never for close framing). */
  reusable: boolean;
  /** Seconds the upstream keeps an idle connection open, from `Keep-Alive: timeout=N`, when it says. */
  keepAliveSeconds: number | undefined;
}

export interface ResponseRefusal {
  refused: string;
}

const STATUS_LINE = /^HTTP\/1\.([01]) ([1-5]\d\d)(?: ([\t\x20-\x7e\x80-\xff]*))?$/;
/** A field line: token name, colon at once, the value between optional whitespace, no control character. */
const FIELD_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+):[\t ]*((?:[\x21-\x7e\x80-\xff](?:[\t\x20-\x7e\x80-\xff]*[\x21-\x7e\x80-\xff])?)?)[\t ]*$/;
const DIGITS = /^\d{1,15}$/;
const KEEP_ALIVE_TIMEOUT = /(?:^|[,;\s])timeout=(\d{1,6})(?:$|[,;\s])/i;

/** One field line (of a head or of a chunked body's trailer section) as [name, value], or undefined if malformed. */
export function parseFieldLine(line: string): [string, string] | undefined {
  const match = FIELD_LINE.exec(line);
  return match === null ? undefined : [match[1], match[2]];
}

/**
 * The head of a response to a `method` request: `text` is everything before the CRLF CRLF that ends it.
 * Returns why it is refused when its framing is malformed or ambiguous.
 */
export function parseResponseHead(text: string, method: string): ResponseHead | ResponseRefusal {
  const lines = text.split('\r\n');
  const statusLine = STATUS_LINE.exec(lines[0]);
  if (statusLine === null) return { refused: lines[0].includes('\n') ? 'a bare LF line end' : 'a malformed status line' };
  const http10 = statusLine[1] === '0';
  const status = Number(statusLine[2]);
  const rawHeaders: string[] = [];
  let contentLength: string | undefined;
  let transferEncoding: string | undefined;
  let connection: string | undefined;
  let keepAlive: string | undefined;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    const field = parseFieldLine(line);
    if (field === undefined) return { refused: fieldLineFault(line) };
    const [name, value] = field;
    rawHeaders.push(name, value);
    switch (name.toLowerCase()) {
      case 'content-length':
        if (contentLength !== undefined) return { refused: 'more than one Content-Length' };
        contentLength = value;
        break;
      case 'transfer-encoding':
        transferEncoding = transferEncoding === undefined ? value : `${transferEncoding}, ${value}`;
        break;
      case 'connection':
        connection = connection === undefined ? value : `${connection}, ${value}`;
        break;
      case 'keep-alive':
        keepAlive = value;
        break;
    }
  }
  const framed = framingOf(status, method, http10, contentLength, transferEncoding);
  if ('refused' in framed) return framed;
  const timeout = keepAlive === undefined ? undefined : KEEP_ALIVE_TIMEOUT.exec(keepAlive);
  return {
    interim: status < 200,
    status,
    reason: statusLine[3] ?? '',
    rawHeaders,
    framing: framed,
    connectionListed: connectionListed(connection),
    reusable: !http10 && !asksToClose(connection) && framed.kind !== 'close',
    keepAliveSeconds: timeout ? Number(timeout[1]) : undefined,
  };
}

function fieldLineFault(line: string): string {
  if (line.includes('\n') || line.includes('\r')) return 'a bare LF or CR line end';
  if (line === '') return 'an empty line inside the head';
  if (line.charCodeAt(0) === 0x20 || line.charCodeAt(0) === 0x09) return 'an obs-fold (a field line continued on the next line)';
  const colon = line.indexOf(':');
  if (colon < 0) return 'a field line without a colon';
  if (/[\t ]$/.test(line.slice(0, colon))) return 'whitespace before a field name’s colon';
  return `a malformed field line (${JSON.stringify(line.slice(0, Math.max(colon, 0)).slice(0, 40))})`;
}

function framingOf(status: number, method: string, http10: boolean, contentLength: string | undefined, transferEncoding: string | undefined): ResponseFraming | ResponseRefusal {
  if (contentLength !== undefined && !DIGITS.test(contentLength)) return { refused: `Content-Length "${contentLength.slice(0, 40)}" is not a length` };
  if (contentLength !== undefined && transferEncoding !== undefined) return { refused: 'both Content-Length and Transfer-Encoding' };
  if (transferEncoding !== undefined) {
    if (http10) return { refused: 'Transfer-Encoding in an HTTP/1.0 response' };
    if (transferEncoding.toLowerCase() !== 'chunked') return { refused: `Transfer-Encoding "${transferEncoding.slice(0, 40)}" is not one chunked coding` };
  }
  if (status === 101) return { refused: 'a 101 Switching Protocols the gateway never asked for' };
  if (status < 200 || status === 204) {
    // RFC 9110 §8.6, §6.4.1: these responses have no body and carry no framing that says otherwise.
    if (transferEncoding !== undefined || (contentLength !== undefined && Number(contentLength) !== 0)) return { refused: `framing on a ${status} response, which has no body` };
    return { kind: 'none' };
  }
  if (method === 'HEAD' || status === 304) return { kind: 'none' };
  if (transferEncoding !== undefined) return { kind: 'chunked' };
  if (contentLength !== undefined) return { kind: 'length', length: Number(contentLength) };
  return { kind: 'close' };
}

/** Whether the Connection field's options (comma-separated, any case) include `close`. */
function asksToClose(value: string | undefined): boolean {
  return value?.toLowerCase().split(',').some((option) => option.trim() === 'close') === true;
}

const TOKEN = "[!#$%&'*+\\-.^_`|~0-9A-Za-z]+";
const QUOTED_STRING = '"(?:[\\t\\x20\\x21\\x23-\\x5b\\x5d-\\x7e\\x80-\\xff]|\\\\[\\t\\x20-\\x7e\\x80-\\xff])*"';
/** chunk-size [ chunk-ext ] (RFC 9112 §7.1.1), the size at most 16 hex digits. */
const CHUNK_SIZE_LINE = new RegExp(`^([0-9A-Fa-f]{1,16})(?:[\\t ]*;[\\t ]*${TOKEN}(?:[\\t ]*=[\\t ]*(?:${TOKEN}|${QUOTED_STRING}))?)*$`);

/**
 * The size a chunk-size line (without its CRLF) announces; its extensions are read and ignored. Undefined when
 * the line is malformed or the size is beyond what a body can be.
 */
export function parseChunkSize(line: string): number | undefined {
  const match = CHUNK_SIZE_LINE.exec(line);
  if (match === null) return undefined;
  const size = Number.parseInt(match[1], 16);
  return Number.isSafeInteger(size) ? size : undefined;
}

/** The longest head (status line and fields, or a trailer section) the gateway reads: node:http's default. */
export const MAX_HEAD_BYTES = 16 * 1024;
/** The longest chunk-size line (extensions included) the gateway reads. */
export const MAX_CHUNK_SIZE_LINE = 4 * 1024;
/** Interim (1xx) responses read before a final one; more ends the exchange. */
export const MAX_INTERIM_RESPONSES = 16;
