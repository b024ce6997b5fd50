import { describe, expect, it } from 'vitest';
import { parseChunkSize, parseFieldLine, parseResponseHead, type ResponseHead } from '../../src/domain/upstream-response.js';

const head = (...lines: string[]) => lines.join('\r\n');
const parsed = (text: string, method = 'GET') => {
  const result = parseResponseHead(text, method);
  if ('refused' in result) throw new Error(`refused: ${result.refused}`);
  return result as ResponseHead;
};
const refused = (text: string, method = 'GET') => {
  const result = parseResponseHead(text, method);
  return 'refused' in result ? result.refused : undefined;
};

describe('an upstream response head', () => {
  it('is read into its status, reason, fields in order (values without surrounding whitespace) and framing', () => {
    const result = parsed(head('HTTP/1.1 201 Created', 'Content-Type: application/json', 'X-Two:  a  b \t', 'Content-Length: 12', 'x-empty:'));
    expect(result).toMatchObject({ interim: false, status: 201, reason: 'Created', framing: { kind: 'length', length: 12 }, reusable: true });
    expect(result.rawHeaders).toEqual(['Content-Type', 'application/json', 'X-Two', 'a  b', 'Content-Length', '12', 'x-empty', '']);
  });

  it('frames the body by its length, by chunks, or until the connection closes (which then cannot be reused)', () => {
    expect(parsed(head('HTTP/1.1 200 OK', 'Transfer-Encoding: Chunked')).framing).toEqual({ kind: 'chunked' });
    expect(parsed(head('HTTP/1.1 200 OK', 'Content-Length: 007')).framing).toEqual({ kind: 'length', length: 7 });
    const untilClose = parsed(head('HTTP/1.1 200 OK', 'Content-Type: text/plain'));
    expect(untilClose.framing).toEqual({ kind: 'close' });
    expect(untilClose.reusable).toBe(false);
  });

  it('has no body after HEAD, and for 204 and 304, whatever length it declares', () => {
    expect(parsed(head('HTTP/1.1 200 OK', 'Content-Length: 5'), 'HEAD').framing).toEqual({ kind: 'none' });
    expect(parsed(head('HTTP/1.1 200 OK', 'Transfer-Encoding: chunked'), 'HEAD').framing).toEqual({ kind: 'none' });
    expect(parsed(head('HTTP/1.1 304 Not Modified', 'Content-Length: 5')).framing).toEqual({ kind: 'none' });
    expect(parsed(head('HTTP/1.1 204 No Content')).framing).toEqual({ kind: 'none' });
    expect(parsed(head('HTTP/1.1 204 No Content', 'Content-Length: 0')).reusable).toBe(true);
  });

  it('marks 1xx responses as interim, and refuses a 101 the gateway never asked for', () => {
    expect(parsed(head('HTTP/1.1 100 Continue')).interim).toBe(true);
    expect(parsed(head('HTTP/1.1 103 Early Hints', 'Link: </style.css>; rel=preload')).interim).toBe(true);
    expect(refused(head('HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade'))).toMatch(/101/);
  });

  it('lets the connection be reused only for HTTP/1.1 without Connection: close, and lists Connection-named fields', () => {
    const listed = parsed(head('HTTP/1.1 200 OK', 'Connection: keep-alive, X-Hop', 'Connection: Another', 'Content-Length: 0'));
    expect(listed.connectionListed).toEqual(['x-hop', 'another']);
    expect(listed.reusable).toBe(true);
    expect(parsed(head('HTTP/1.1 200 OK', 'Connection: Close', 'Content-Length: 0')).reusable).toBe(false);
    expect(parsed(head('HTTP/1.0 200 OK', 'Connection: keep-alive', 'Content-Length: 0')).reusable).toBe(false);
  });

  it('reads how long the upstream keeps an idle connection from Keep-Alive', () => {
    expect(parsed(head('HTTP/1.1 200 OK', 'Keep-Alive: timeout=5', 'Content-Length: 0')).keepAliveSeconds).toBe(5);
    expect(parsed(head('HTTP/1.1 200 OK', 'Keep-Alive: max=100, timeout=65', 'Content-Length: 0')).keepAliveSeconds).toBe(65);
    expect(parsed(head('HTTP/1.1 200 OK', 'Content-Length: 0')).keepAliveSeconds).toBeUndefined();
  });

  it('accepts a status line without a reason, and keeps obs-text in values as latin1 characters', () => {
    expect(parsed(head('HTTP/1.1 200', 'Content-Length: 0'))).toMatchObject({ status: 200, reason: '' });
    expect(parsed(head('HTTP/1.1 200 ', 'X-Name: caf\xe9', 'Content-Length: 0')).rawHeaders).toEqual(['X-Name', 'caf\xe9', 'Content-Length', '0']);
  });

  describe('malformed or ambiguous framing is refused', () => {
    const cases: Record<string, string> = {
      'two different Content-Lengths': head('HTTP/1.1 200 OK', 'Content-Length: 5', 'Content-Length: 6'),
      'two equal Content-Lengths': head('HTTP/1.1 200 OK', 'Content-Length: 5', 'Content-Length: 5'),
      'a Content-Length list': head('HTTP/1.1 200 OK', 'Content-Length: 5, 5'),
      'a signed Content-Length': head('HTTP/1.1 200 OK', 'Content-Length: +5'),
      'a negative Content-Length': head('HTTP/1.1 200 OK', 'Content-Length: -1'),
      'a hexadecimal Content-Length': head('HTTP/1.1 200 OK', 'Content-Length: 0x5'),
      'an empty Content-Length': head('HTTP/1.1 200 OK', 'Content-Length:'),
      'a Content-Length beyond any body': head('HTTP/1.1 200 OK', 'Content-Length: 99999999999999999999'),
      'Content-Length and Transfer-Encoding': head('HTTP/1.1 200 OK', 'Content-Length: 5', 'Transfer-Encoding: chunked'),
      'Transfer-Encoding and Content-Length': head('HTTP/1.1 200 OK', 'Transfer-Encoding: chunked', 'Content-Length: 5'),
      'Transfer-Encoding: gzip, chunked': head('HTTP/1.1 200 OK', 'Transfer-Encoding: gzip, chunked'),
      'Transfer-Encoding: identity': head('HTTP/1.1 200 OK', 'Transfer-Encoding: identity'),
      'Transfer-Encoding: chunked, chunked': head('HTTP/1.1 200 OK', 'Transfer-Encoding: chunked', 'Transfer-Encoding: chunked'),
      'Transfer-Encoding in HTTP/1.0': head('HTTP/1.0 200 OK', 'Transfer-Encoding: chunked'),
      'Transfer-Encoding on a 204': head('HTTP/1.1 204 No Content', 'Transfer-Encoding: chunked'),
      'a length on a 204': head('HTTP/1.1 204 No Content', 'Content-Length: 5'),
      'a length on a 100': head('HTTP/1.1 100 Continue', 'Content-Length: 5'),
      'obs-fold': head('HTTP/1.1 200 OK', 'X-Note: a', ' b', 'Content-Length: 0'),
      'obs-fold with a tab': head('HTTP/1.1 200 OK', 'Content-Length: 0', '\tchunked'),
      'a bare LF between fields': 'HTTP/1.1 200 OK\r\nX-A: 1\nContent-Length: 0',
      'a bare LF after the status line': 'HTTP/1.1 200 OK\nContent-Length: 0',
      'a bare CR': head('HTTP/1.1 200 OK', 'X-A: 1\rContent-Length: 0'),
      'whitespace before a colon': head('HTTP/1.1 200 OK', 'Content-Length : 5'),
      'whitespace before a name': head('HTTP/1.1 200 OK', 'Content-Length: 0', '  X-A: 1'),
      'a field line without a colon': head('HTTP/1.1 200 OK', 'Content-Length 5'),
      'a name that is not a token': head('HTTP/1.1 200 OK', 'X(A): 1'),
      'an empty name': head('HTTP/1.1 200 OK', ': 1'),
      'NUL in a value': head('HTTP/1.1 200 OK', 'X-A: a\0b'),
      'DEL in a value': head('HTTP/1.1 200 OK', 'X-A: a\x7fb'),
      'an empty line inside the head': head('HTTP/1.1 200 OK', '', 'Content-Length: 0'),
      'HTTP/2 in the status line': head('HTTP/2 200 OK'),
      'HTTP/1.2': head('HTTP/1.2 200 OK'),
      'a lower-case version': head('http/1.1 200 OK'),
      'a four-digit status': head('HTTP/1.1 2000 OK'),
      'a status below 100': head('HTTP/1.1 099 OK'),
      'a status above 599': head('HTTP/1.1 600 OK'),
      'two spaces after the version': head('HTTP/1.1  200 OK'),
      'a control character in the reason': head('HTTP/1.1 200 O\x01K'),
      'a missing status line': head('Content-Length: 0'),
    };
    for (const [label, text] of Object.entries(cases)) {
      it(label, () => {
        expect(refused(text), label).toEqual(expect.any(String));
      });
    }
  });
});

describe('a field line', () => {
  it('is a token, a colon, and a value between optional whitespace', () => {
    expect(parseFieldLine('X-Checksum: abc')).toEqual(['X-Checksum', 'abc']);
    expect(parseFieldLine('x:\t v w \t')).toEqual(['x', 'v w']);
    expect(parseFieldLine('x :v')).toBeUndefined();
    expect(parseFieldLine(' x: v')).toBeUndefined();
  });
});

describe('a chunk-size line', () => {
  it('announces a hexadecimal size, with extensions read and ignored', () => {
    expect(parseChunkSize('0')).toBe(0);
    expect(parseChunkSize('1a')).toBe(26);
    expect(parseChunkSize('00FF')).toBe(255);
    expect(parseChunkSize('5;name=value')).toBe(5);
    expect(parseChunkSize('5 ; a ; b="quoted \\" value"')).toBe(5);
  });

  it('is refused when it is not one, or announces more than a body can be', () => {
    for (const line of ['', ' 5', '+5', '-5', '0x5', '5 5', 'g', '5;', '5;=x', '5;a="unterminated', '5\n', '5\r', '5\0', '12345678901234567', '20000000000000']) {
      expect(parseChunkSize(line), JSON.stringify(line)).toBeUndefined();
    }
  });
});
