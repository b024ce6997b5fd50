import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { WEB_DIST, buildApp } from '../../src/http/app.js';
import { loggerOptions, prettyLine } from '../../src/http/logging.js';
import { MemoryLog } from '../support/memory-log.js';
import { createTestContext, type TestContext } from '../support/databases.js';


const hasUi = existsSync(`${WEB_DIST}index.html`);

describe('server log lines', () => {
  let t: TestContext;
  beforeAll(async () => {
    t = await createTestContext('sqlite');
  });
  afterAll(() => t.close());

  const serve = async (level: string, log: MemoryLog, urls: string[]) => {
    const app = await buildApp(t.context, { logger: loggerOptions(level, log) });
    try {
      for (const url of urls) await app.inject({ method: 'GET', url });
    } finally {
      await app.close();
    }
  };

  it('are JSON when the destination is not a terminal, one line per request', async () => {
    const log = new MemoryLog();
    await serve('info', log, ['/healthz', '/api/v1/session/csrf']);
    const lines = log.lines.map((line) => JSON.parse(line));
    const completed = lines.filter((line) => line.msg === 'request completed');
    expect(completed.map((line) => [line.req.method, line.req.url, line.res.statusCode])).toEqual([
      ['GET', '/healthz', 200],
      ['GET', '/api/v1/session/csrf', 401],
    ]);
    expect(completed.every((line) => typeof line.responseTime === 'number' && typeof line.reqId === 'string')).toBe(true);
    expect(lines.filter((line) => line.msg === 'incoming request')).toEqual([]);
  });

  it('are human lines when the destination is a terminal: time, level, message, method, path, status, milliseconds', async () => {
    const log = new MemoryLog(true);
    await serve('info', log, ['/healthz', '/api/v1/session/csrf']);
    const completed = log.lines.filter((line) => line.includes('request completed'));
    expect(completed).toHaveLength(2);
    expect(completed[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}request completed GET \/healthz 200 \d+\.\dms reqId=\S+$/);
    expect(completed[1]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}request completed GET \/api\/v1\/session\/csrf 401 \d+\.\dms reqId=\S+$/);
    expect(log.lines.some((line) => line.startsWith('{'))).toBe(false);
  });

  it.skipIf(!hasUi)('log the web UI files and deep links at debug, not info', async () => {
    const asset = `/assets/${readdirSync(`${WEB_DIST}assets`)[0]}`;
    const urls = ['/', asset, '/accounts/some/deep/link', '/healthz'];
    const atInfo = new MemoryLog();
    await serve('info', atInfo, urls);
    expect(atInfo.lines.map((line) => JSON.parse(line).req?.url)).toEqual(['/healthz']);
    const atDebug = new MemoryLog();
    await serve('debug', atDebug, urls);
    const levels = Object.fromEntries(atDebug.lines.map((line) => JSON.parse(line)).filter((line) => line.msg === 'request completed').map((line) => [line.req.url, line.level]));
    expect(levels).toEqual({ '/': 20, [asset]: 20, '/accounts/some/deep/link': 20, '/healthz': 30 });
  });

  it('a human line keeps an error stack, and passes a line that is not JSON through unchanged', () => {
    const line = prettyLine(JSON.stringify({ level: 50, time: Date.UTC(2026, 0, 2, 3, 4, 5, 6), msg: 'writing failed', err: { type: 'Error', message: 'boom', stack: 'Error: boom\n    at here' } }));
    expect(line).toBe('03:04:05.006 ERROR writing failed\n    Error: boom\n        at here\n');
    expect(prettyLine('not json')).toBe('not json\n');
  });
});
