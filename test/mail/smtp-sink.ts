/**
 * A real SMTP server for the tests (the `smtp-server` package): it takes every message Sidekey sends, parses it
 * with `mailparser` as a mail client would, and can be told to refuse messages (a temporary 451) or to stop
 * listening altogether, then to recover.
 */
import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import type { Config } from '../../src/config.js';

/** The PUBLIC_URL the mail tests give Sidekey: every link in a message starts with it. */
export const MAIL_BASE_URL = 'https://sidekey.brand.test';

/** The settings that turn e-mail on, sending through `sink`. */
export const mailConfig = (sink: SmtpSink): Partial<Config> => ({ smtpUrl: sink.url, mailFrom: 'Sidekey <sidekey@brand.test>', publicUrl: MAIL_BASE_URL });

export interface ReceivedMail {
  /** The envelope's recipients (RCPT TO). */
  to: string[];
  from: string;
  parsed: ParsedMail;
  /** The message as it came over the wire. */
  raw: string;
}

export class SmtpSink {
  refuse = false;
  readonly received: ReceivedMail[] = [];
  /** Messages refused while `refuse` was set. */
  refused = 0;
  private server: SMTPServer | null = null;
  private port = 0;

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  async start(port = 0): Promise<this> {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          if (this.refuse) {
            this.refused++;
            callback(Object.assign(new Error('Mailbox busy, try again later'), { responseCode: 451 }));
            return;
          }
          const raw = Buffer.concat(chunks).toString('utf8');
          simpleParser(raw).then(
            (parsed) => {
              this.received.push({ to: session.envelope.rcptTo.map((r) => r.address), from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', parsed, raw });
              callback();
            },
            (error: Error) => callback(error),
          );
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.server.address() as AddressInfo).port;
    return this;
  }

  /** Stops listening (connections are refused) and resolves once closed; `start(sink.listeningPort)` recovers. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  get listeningPort(): number {
    return this.port;
  }

  /** The messages addressed to `address`. */
  to(address: string): ReceivedMail[] {
    return this.received.filter((m) => m.to.includes(address));
  }
}
