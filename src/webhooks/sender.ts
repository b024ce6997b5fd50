/**
 * One HTTP POST of a delivery, to the address the target guard checked (never a fresh DNS answer), within a
 * deadline. The answer's status is what counts (2xx is delivered); its body is read and dropped, redirects are not
 * followed (a 3xx is a failed attempt).
 */
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { ResolvedAddress } from './targets.js';

export interface SendOutcome {
  statusCode: number | null;
  durationMs: number;
  /** Why no 2xx came back, in words safe to store and show. */
  error: string | null;
}

const USER_AGENT = 'Sidekey-Webhooks/1';

export function send(url: URL, pinned: ResolvedAddress, headers: Record<string, string>, body: string, timeoutMs: number): Promise<SendOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  // The connection goes to the checked address whatever the host name resolves to now; TLS still verifies the name.
  const lookup: LookupFunction = (_hostname, options, callback) => {
    if (options.all) (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address: pinned.address, family: pinned.family }]);
    else callback(null, pinned.address, pinned.family);
  };
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome: Omit<SendOutcome, 'durationMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...outcome, durationMs: elapsed() });
    };
    const request = client.request(url, { method: 'POST', lookup, agent: false, headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'user-agent': USER_AGENT } }, (response) => {
      const statusCode = response.statusCode ?? null;
      response.resume();
      response.once('end', () => finish({ statusCode, error: statusCode !== null && statusCode >= 200 && statusCode < 300 ? null : `answered ${statusCode}` }));
      response.once('error', () => finish({ statusCode, error: 'the answer broke off' }));
    });
    const timer = setTimeout(() => {
      finish({ statusCode: null, error: `no answer within ${timeoutMs} ms` });
      request.destroy();
    }, timeoutMs);
    request.once('error', (error: NodeJS.ErrnoException) => finish({ statusCode: null, error: error.code ? `could not connect (${error.code})` : 'could not connect' }));
    request.end(body);
  });
}
