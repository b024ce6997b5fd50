/**
 * A webhook receiver as a customer would write one: a real HTTP server that checks `Sidekey-Signature` with its
 * own HMAC code (written from docs/lifecycle-events.md, not Sidekey's), applies each event once by its
 * Sidekey-Event-Id, and can be told to fail (500), to hang past the sender's deadline, or to work.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Behaviour = 'ok' | 'fail' | 'hang';

export interface Received {
  headers: IncomingMessage['headers'];
  body: string;
  /** Whether a v1 signature matched one of the receiver's secrets, over the timestamp and the exact body. */
  verified: boolean;
  /** The secrets a v1 value matched. */
  matched: string[];
  timestamp: number;
  signatures: number;
}

/** The check a receiver runs: `t=…,v1=…[,v1=…]`; HMAC-SHA256 keyed by the secret over `${t}.${rawBody}`, hex. */
export function verifySignature(header: string | undefined, body: string, secrets: readonly string[]) {
  const parts = (header ?? '').split(',').map((p) => p.split('='));
  const timestamp = Number(parts.find(([k]) => k === 't')?.[1]);
  const given = parts.filter(([k]) => k === 'v1').map(([, v]) => Buffer.from(v ?? '', 'hex'));
  const matched = secrets.filter((secret) => {
    const expected = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest();
    return given.some((g) => g.length === expected.length && timingSafeEqual(g, expected));
  });
  return { timestamp, matched, signatures: given.length };
}

export class Receiver {
  behaviour: Behaviour = 'ok';
  secrets: string[] = [];
  readonly received: Received[] = [];
  /** Event ids applied, once each, as an idempotent receiver keeps them. */
  readonly applied = new Set<string>();
  private readonly hung = new Set<IncomingMessage>();
  private server!: Server;
  url = '';

  async start(path = '/hooks/sidekey'): Promise<this> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (c: Buffer) => chunks.push(c));
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const check = verifySignature(request.headers['sidekey-signature'] as string | undefined, body, this.secrets);
        this.received.push({ headers: request.headers, body, verified: check.matched.length > 0, matched: check.matched, timestamp: check.timestamp, signatures: check.signatures });
        if (this.behaviour === 'hang') {
          this.hung.add(request);
          return;
        }
        if (this.behaviour === 'fail' || check.matched.length === 0) {
          response.writeHead(check.matched.length === 0 ? 400 : 500).end();
          return;
        }
        this.applied.add(String(request.headers['sidekey-event-id']));
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const request of this.hung) request.socket.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
