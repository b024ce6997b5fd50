/**
 * E-mail notifications end to end, into a real SMTP server that parses every message: each event mails the
 * token's primary contact and developer e-mails once each, in plain text and escaped HTML, naming the token, what
 * happened, who did it and when, with a link to the token page and never a secret; the account's settings choose
 * which events mail whom and whether they come as hourly or daily digests; a server that refuses or is down is
 * retried on the back-off schedule until it recovers; two nodes never send one message twice.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createContext, type Context } from '../../src/app/context.js';
import { operator } from '../../src/domain/actor.js';
import { DAY_MS, RETRY } from '../../src/domain/lifecycle-events.js';
import { createTestDatabase, describeEachDialect, runAsNodes, testConfig, type TestDatabase } from '../support/databases.js';
import { createBrand, TEST_PASSWORD, type Brand } from '../support/fixtures.js';
import { login, startHttpApp, type Session } from '../support/http.js';
import { MAIL_BASE_URL, mailConfig, type ReceivedMail, SmtpSink } from './smtp-sink.js';

const START = Date.UTC(2026, 9, 5, 8, 10);

describeEachDialect('e-mail notifications', (dialect) => {
  let db: TestDatabase;
  let context: Context;
  let app: FastifyInstance;
  let admin: Session;
  let brand: Brand;
  let sink: SmtpSink;
  let clock = START;
  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    sink = await new SmtpSink().start();
    context = await createContext(testConfig(db, mailConfig(sink)), { now: () => clock });
    brand = await createBrand(context);
    ({ app } = await startHttpApp(context));
    admin = await login(app, brand.emails.account_administrator, TEST_PASSWORD);
  });
  afterAll(async () => {
    await app.close();
    await context.close();
    await sink.stop();
    await db.drop();
  });

  /** What a node's timers do: hand new events to the channels, then send whatever mail is due (batch after batch). */
  const pump = async () => {
    await context.lifecycle.dispatcher.runOnce();
    while ((await context.lifecycle.mail!.runOnce()) > 0);
  };
  const settingsUrl = () => `/api/v1/accounts/${brand.accountId}/mail-settings`;
  const activity = async (tokenId: string) => {
    const response = await admin.get(`/api/v1/accounts/${brand.accountId}/tokens/${tokenId}/lifecycle-events`);
    expect(response.statusCode, response.body).toBe(200);
    return response.json().items as { event: { id: string; type: string }; emails: { recipient: string; status: string; attempts: number; eventCount: number; lastError: string | null; nextAttemptAt: string | null }[] }[];
  };
  const since = (n: number) => sink.received.slice(n);
  const tokenLink = (tokenId: string) => `${MAIL_BASE_URL}/accounts/${brand.accountId}/settings/api/tokens/${tokenId}/activity`;

  it('every event type mails the primary contact and each developer e-mail once, naming the token, what happened, who and when, with a link and no secret', async () => {
    const adminEmail = brand.emails.account_administrator;
    const secrets: string[] = [];
    const name = 'Billing <sync> & "reports"';
    const before = sink.received.length;
    const created = await context.tokens.create(brand.admin, brand.accountId, {
      name,
      apiVersion: 12,
      // The primary contact (the creator) again, in other letters, and one developer twice: each address once.
      developerEmails: ['dev@brand.test', adminEmail.toUpperCase(), 'ops@brand.test', 'dev@brand.test'],
      expiresAt: new Date(clock + 3 * DAY_MS).toISOString(),
    });
    const { token } = created;
    secrets.push(created.authToken);
    await context.tokens.update(brand.admin, brand.accountId, token.id, { description: 'Nightly invoices' });
    secrets.push((await context.tokens.reset(brand.admin, brand.accountId, token.id, { graceSeconds: 3600 })).authToken);
    secrets.push((await context.tokens.reset(operator('cli'), brand.accountId, token.id)).authToken);
    await context.tokens.upgrade(brand.admin, brand.accountId, token.id, 14);
    await context.tokens.setState(brand.admin, brand.accountId, token.id, 'disabled');
    await context.tokens.setState(brand.admin, brand.accountId, token.id, 'enabled');
    await context.lifecycle.scheduler.runOnce(); // 3 days before expiry: the 7-day notice
    clock += 3 * DAY_MS;
    await context.lifecycle.scheduler.runOnce(); // expired
    secrets.push((await context.tokens.revealCredentials(brand.admin, brand.accountId, token.id)).authToken);
    await context.tokens.delete(brand.admin, brand.accountId, token.id);
    await pump();

    const mails = since(before);
    const recipients = [adminEmail, 'dev@brand.test', 'ops@brand.test'];
    const types = ['token.created', 'token.updated', 'token.reset', 'token.reset', 'token.upgraded', 'token.disabled', 'token.enabled', 'token.expiring', 'token.expired', 'token.deleted'];
    expect(mails).toHaveLength(types.length * recipients.length);
    for (const recipient of recipients) expect(sink.to(recipient), recipient).toHaveLength(types.length);
    for (const mail of mails) {
      expect(mail.to).toHaveLength(1);
      expect(mail.parsed.to && !Array.isArray(mail.parsed.to) ? mail.parsed.to.value.map((v) => v.address) : []).toEqual(mail.to);
      expect(mail.from).toBe('sidekey@brand.test');
      expect(mail.parsed.from?.value).toEqual([{ address: 'sidekey@brand.test', name: 'Sidekey' }]);
      expect(mail.parsed.headers.get('auto-submitted')).toBe('auto-generated');
    }

    const texts = sink.to('dev@brand.test').map((m) => m.parsed.text ?? '');
    const expected = [
      'Created.',
      'Settings changed: description.',
      `Auth Token reset; the previous one works until ${new Date(START + 3_600_000).toISOString().slice(0, 16).replace('T', ' ')} UTC.`,
      'Auth Token reset; the previous one stopped working at once.',
      'Upgraded from API version 12 to 14.',
      'Disabled: it no longer authenticates until it is enabled again.',
      'Enabled: it authenticates again.',
      `Expires in 7 days, at ${new Date(START + 3 * DAY_MS).toISOString().slice(0, 16).replace('T', ' ')} UTC.`,
      'Expired at',
      'Deleted: it no longer authenticates, and cannot be restored.',
    ];
    // Sent at once, each by itself; the SMTP server may take them in any order.
    for (const sentence of expected) expect(texts.filter((t) => t.includes(sentence)), sentence).toHaveLength(1);
    for (const mail of mails) {
      const text = mail.parsed.text ?? '';
      const html = String(mail.parsed.html);
      expect(mail.parsed.subject).toContain(`Sidekey: ${name} — `);
      expect(text).toContain(`${name} (${token.accountSid})`);
      expect(text).toMatch(/By (admin-\w+ <admin-\w+@brand\.test>|an operator \(cli\)|Sidekey \(scheduled\)), \d{4}-\d\d-\d\d \d\d:\d\d UTC\./);
      // The HTML names the token escaped, never as markup.
      expect(html).toContain('Billing &#60;sync&#62; &#38; &#34;reports&#34;');
      expect(html).not.toContain('<sync>');
      if (text.includes('Deleted:')) expect(text).not.toContain(MAIL_BASE_URL);
      else {
        expect(text).toContain(tokenLink(token.id));
        expect(html).toContain(`<a href="${tokenLink(token.id)}">Open the token</a>`);
      }
      for (const secret of secrets) expect(mail.raw).not.toContain(secret);
      expect(mail.raw).not.toMatch(/skt_[0-9A-Za-z]{20,}/);
    }
    expect(texts.filter((t) => t.includes('By an operator (cli)'))).toHaveLength(1);
    expect(texts.filter((t) => t.includes('By Sidekey (scheduled)'))).toHaveLength(2);

    // Sent once: another round finds nothing due.
    await pump();
    expect(sink.received.length - before).toBe(mails.length);
    admin = await login(app, brand.emails.account_administrator, TEST_PASSWORD); // three days outlast the session
  });

  it("the token's Activity lists the e-mails each event produced, with recipient and status, for the token managers", async () => {
    const { token } = await context.tokens.create(brand.admin, brand.accountId, { name: 'Shown', developerEmails: ['activity@brand.test'] });
    await context.tokens.setState(brand.admin, brand.accountId, token.id, 'disabled');
    await pump();
    const specialist = await login(app, brand.emails.implementation_specialist, TEST_PASSWORD);
    const response = await specialist.get(`/api/v1/accounts/${brand.accountId}/tokens/${token.id}/lifecycle-events`);
    expect(response.statusCode).toBe(200);
    const items = response.json().items as { event: { type: string }; emails: { recipient: string; status: string; delivery: string }[] }[];
    expect(items.map((i) => [i.event.type, i.emails.map((e) => [e.recipient, e.status, e.delivery]).sort()])).toEqual([
      ['token.disabled', [['activity@brand.test', 'sent', 'immediate'], [brand.emails.account_administrator, 'sent', 'immediate']]],
      ['token.created', [['activity@brand.test', 'sent', 'immediate'], [brand.emails.account_administrator, 'sent', 'immediate']]],
    ]);
  });

  it('an Account Administrator chooses which events mail whom; the change is audited and takes effect for the next event', async () => {
    const shown = await admin.get(settingsUrl());
    expect(shown.statusCode).toBe(200);
    expect(shown.json()).toMatchObject({ enabled: true, from: 'Sidekey <sidekey@brand.test>', delivery: 'immediate' });
    expect(shown.json().events.developers).toContain('token.disabled');

    const changed = await admin.request('PATCH', settingsUrl(), { events: { developers: ['token.expiring', 'token.expired', 'token.expiring'] } });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json().events).toMatchObject({ developers: ['token.expiring', 'token.expired'] });
    expect(changed.json().events.primaryContact).toContain('token.disabled');
    const audit = await context.store.db.selectFrom('audit_events').selectAll().where('account_id', '=', brand.accountId).where('action', '=', 'mail.settings_update').execute();
    expect(audit).toHaveLength(1);
    expect(JSON.parse(audit[0].details).to.events.developers).toEqual(['token.expiring', 'token.expired']);

    const before = sink.received.length;
    const { token } = await context.tokens.create(brand.admin, brand.accountId, { name: 'Quiet', developerEmails: ['quiet@brand.test'] });
    await context.tokens.setState(brand.admin, brand.accountId, token.id, 'disabled');
    await pump();
    expect(since(before).map((m) => m.to[0])).toEqual([brand.emails.account_administrator, brand.emails.account_administrator]);

    for (const [body, field] of [
      [{ delivery: 'weekly' }, 'delivery'],
      [{ events: { developers: ['token.exploded'] } }, 'developers'],
      [{ events: { everyone: [] } }, 'everyone'],
    ] as const) {
      const response = await admin.request('PATCH', settingsUrl(), body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      expect(response.body).toContain(field);
    }
    const restored = await admin.request('PATCH', settingsUrl(), { events: { developers: (await admin.get(settingsUrl())).json().events.primaryContact } });
    expect(restored.statusCode).toBe(200);
  });

  it('an hourly digest sends one message per recipient when the hour ends, listing every event of it', async () => {
    expect((await admin.request('PATCH', settingsUrl(), { delivery: 'hourly' })).statusCode).toBe(200);
    clock = Math.ceil(clock / 3_600_000) * 3_600_000 + 5 * 60_000; // 5 minutes into an hour
    const before = sink.received.length;
    const first = await context.tokens.create(brand.admin, brand.accountId, { name: 'Digest one', developerEmails: ['digest@brand.test'] });
    await pump();
    clock += 20 * 60_000;
    const second = await context.tokens.create(brand.admin, brand.accountId, { name: 'Digest two', developerEmails: ['digest@brand.test'] });
    await context.tokens.setState(brand.admin, brand.accountId, first.token.id, 'disabled');
    await pump();
    expect(sink.received.length).toBe(before); // the hour has not ended
    const [pending] = await activity(second.token.id);
    expect(pending.emails.map((e) => [e.recipient, e.status, e.eventCount]).sort()).toEqual([
      [brand.emails.account_administrator, 'pending', 3],
      ['digest@brand.test', 'pending', 3],
    ]);

    clock = Math.ceil(clock / 3_600_000) * 3_600_000; // the hour ends
    await pump();
    const mails = since(before);
    expect(mails.map((m) => m.to[0]).sort()).toEqual([brand.emails.account_administrator, 'digest@brand.test'].sort());
    for (const mail of mails) {
      expect(mail.parsed.subject).toBe('Sidekey: 3 token events (hourly digest)');
      const text = mail.parsed.text ?? '';
      // Oldest first, each with its own link.
      expect(text.indexOf('Digest one')).toBeLessThan(text.indexOf('Digest two'));
      expect(text.match(/Created\./g)).toHaveLength(2);
      expect(text).toContain('Disabled:');
      expect(text).toContain(tokenLink(first.token.id));
      expect(text).toContain(tokenLink(second.token.id));
    }
    // The next event opens the next hour's digest.
    await context.tokens.setState(brand.admin, brand.accountId, second.token.id, 'disabled');
    await pump();
    expect(sink.received.length).toBe(before + 2);
    const [next] = await activity(second.token.id);
    expect(next.emails.every((e) => e.status === 'pending' && e.eventCount === 1)).toBe(true);
    clock += 3_600_000;
    await pump();
    expect(sink.received.length).toBe(before + 4);
    expect((await admin.request('PATCH', settingsUrl(), { delivery: 'immediate' })).statusCode).toBe(200);
  });

  it('a server that refuses, then is down, gets the message again on the back-off schedule once it recovers, and only once', async () => {
    const { token } = await context.tokens.create(brand.admin, brand.accountId, { name: 'Patient', developerEmails: [] });
    const before = sink.received.length;
    sink.refuse = true;
    await pump();
    let [{ emails }] = await activity(token.id);
    expect(emails).toHaveLength(1);
    expect(emails[0]).toMatchObject({ status: 'pending', attempts: 1, lastError: expect.stringContaining('451') });
    const firstRetry = Date.parse(emails[0].nextAttemptAt!);
    expect(firstRetry - clock).toBeGreaterThanOrEqual(RETRY.firstDelayMs / 2);
    expect(firstRetry - clock).toBeLessThanOrEqual(RETRY.firstDelayMs);
    await pump(); // not due yet
    expect(sink.refused).toBe(1);

    sink.refuse = false;
    const port = sink.listeningPort;
    await sink.stop();
    clock = firstRetry;
    await pump();
    [{ emails }] = await activity(token.id);
    expect(emails[0]).toMatchObject({ status: 'pending', attempts: 2, lastError: expect.stringMatching(/ECONNREFUSED|connect/i) });

    await sink.start(port);
    clock = Date.parse(emails[0].nextAttemptAt!);
    await pump();
    [{ emails }] = await activity(token.id);
    expect(emails[0]).toMatchObject({ status: 'sent', attempts: 3, lastError: null, nextAttemptAt: null });
    expect(since(before).map((m) => m.to[0])).toEqual([brand.emails.account_administrator]);
    await pump();
    expect(sink.received.length).toBe(before + 1);
  });

  it('a message the server refuses for 24 hours is given up', async () => {
    const { token } = await context.tokens.create(brand.admin, brand.accountId, { name: 'Never', developerEmails: [] });
    sink.refuse = true;
    const created = clock;
    await pump();
    // A day passes on this clock, longer than a web session lasts: the e-mails are read through the service here.
    const log = async () => context.mail.messagesOf(brand.accountId, (await context.lifecycle.events.tokenEvents(brand.accountId, token.id)).map((e) => e.event.id));
    let [message] = await log();
    while (message.status === 'pending') {
      clock = message.nextAttemptAt!;
      await pump();
      [message] = await log();
    }
    sink.refuse = false;
    admin = await login(app, brand.emails.account_administrator, TEST_PASSWORD);
    expect(message).toMatchObject({ status: 'failed', nextAttemptAt: null, lastError: expect.stringContaining('451') });
    expect(message.attempts).toBeGreaterThan(20);
    expect(clock - created).toBeLessThanOrEqual(RETRY.windowMs);
    expect(clock - created).toBeGreaterThan(RETRY.windowMs - RETRY.maxDelayMs);
  });
});

describeEachDialect('e-mail notifications off', (dialect) => {
  let db: TestDatabase;
  let context: Context;
  let brand: Brand;
  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    context = await createContext(testConfig(db));
    brand = await createBrand(context);
  });
  afterAll(async () => {
    await context.close();
    await db.drop();
  });

  it('without SMTP_URL nothing is queued, and the settings say e-mail is off', async () => {
    const { token } = await context.tokens.create(brand.admin, brand.accountId, { name: 'Silent', developerEmails: ['dev@brand.test'] });
    await context.tokens.setState(brand.admin, brand.accountId, token.id, 'disabled');
    expect(await context.lifecycle.dispatcher.runOnce()).toBe(2);
    expect(context.lifecycle.mail).toBeNull();
    expect(await context.store.db.selectFrom('mail_messages').selectAll().execute()).toEqual([]);
    expect(await context.mail.settings(brand.admin, brand.accountId)).toMatchObject({ enabled: false, from: null });
  });
});

describeEachDialect('e-mail on two nodes at once', (dialect) => {
  let db: TestDatabase;
  let nodes: Context[];
  let brand: Brand;
  let sink: SmtpSink;
  const clock = START;
  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    sink = await new SmtpSink().start();
    const config = testConfig(db, mailConfig(sink));
    nodes = [await createContext(config, { now: () => clock }), await createContext(config, { now: () => clock })];
    brand = await createBrand(nodes[0]);
  });
  afterAll(async () => {
    for (const node of nodes) await node.close();
    await sink.stop();
    await db.drop();
  });

  it('every message is sent exactly once, whichever node dispatches and sends it', async () => {
    for (let i = 0; i < 8; i++) {
      const { token } = await nodes[i % 2].tokens.create(brand.admin, brand.accountId, { name: `Node token ${i}`, developerEmails: ['dev@brand.test'] });
      await nodes[(i + 1) % 2].tokens.setState(brand.admin, brand.accountId, token.id, 'disabled');
    }
    for (let round = 0; round < 3; round++) {
      await runAsNodes(dialect, nodes.flatMap((node) => [() => node.lifecycle.dispatcher.runOnce(), () => node.lifecycle.dispatcher.runOnce()]));
      await runAsNodes(dialect, nodes.flatMap((node) => [() => node.lifecycle.mail!.runOnce(), () => node.lifecycle.mail!.runOnce()]));
    }
    const ids = sink.received.map((m: ReceivedMail) => String(m.parsed.headers.get('x-sidekey-message-id')));
    expect(ids).toHaveLength(32);
    expect(new Set(ids).size).toBe(32);
    expect(sink.to('dev@brand.test')).toHaveLength(16);
    const rows = await nodes[0].store.db.selectFrom('mail_messages').selectAll().execute();
    expect(rows.every((r) => r.status === 'sent' && r.attempts === 1)).toBe(true);
  });
});

describeEachDialect('e-mail digests on nodes whose clocks differ', (dialect) => {
  let db: TestDatabase;
  let early: Context;
  let late: Context;
  let brand: Brand;
  let sink: SmtpSink;
  const HOUR = Date.UTC(2026, 9, 5, 8);
  let clock = HOUR + 10 * 60_000;
  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    sink = await new SmtpSink().start();
    const config = testConfig(db, mailConfig(sink));
    early = await createContext(config, { now: () => clock });
    late = await createContext(config, { now: () => clock + 3_600_000 }); // an hour ahead: the hour has ended there
    brand = await createBrand(early);
  });
  afterAll(async () => {
    await early.close();
    await late.close();
    await sink.stop();
    await db.drop();
  });

  it('an event of an hour whose digest has already left is mailed by itself, never added to the digest being sent', async () => {
    await early.mail.updateSettings(brand.admin, brand.accountId, { delivery: 'hourly' });
    const { token } = await early.tokens.create(brand.admin, brand.accountId, { name: 'Skewed', developerEmails: ['dev@brand.test'] });
    await early.lifecycle.dispatcher.runOnce();
    expect(await late.lifecycle.mail!.runOnce()).toBe(2); // the hour's digest, on the node whose clock says it has ended
    clock += 60_000;
    await early.tokens.setState(brand.admin, brand.accountId, token.id, 'disabled');
    await early.lifecycle.dispatcher.runOnce();
    expect(await early.lifecycle.mail!.runOnce()).toBe(2);
    const texts = sink.received.map((m) => [m.to[0], m.parsed.subject, m.parsed.text ?? ''] as const);
    expect(texts).toHaveLength(4);
    const digests = texts.filter(([, subject]) => subject === 'Sidekey: 1 token event (hourly digest)');
    expect(digests).toHaveLength(4);
    expect(digests.filter(([, , text]) => text.includes('Created.') && !text.includes('Disabled:')).map(([to]) => to).sort()).toEqual([brand.emails.account_administrator, 'dev@brand.test'].sort());
    expect(digests.filter(([, , text]) => text.includes('Disabled:') && !text.includes('Created.')).map(([to]) => to).sort()).toEqual([brand.emails.account_administrator, 'dev@brand.test'].sort());
  });
});
