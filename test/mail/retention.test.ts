/**
 * The retention job with e-mail on, under a fake clock and a real SMTP server: an event an e-mail still names is
 * kept; past LIFECYCLE_RETENTION_DAYS a sent e-mail goes (with its links to events), then the event it named.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createContext, type Context } from '../../src/app/context.js';
import { DAY_MS } from '../../src/domain/lifecycle-events.js';
import { createTestDatabase, describeEachDialect, testConfig, type TestDatabase } from '../support/databases.js';
import { createBrand, type Brand } from '../support/fixtures.js';
import { mailConfig, SmtpSink } from './smtp-sink.js';

const START = Date.UTC(2026, 2, 1, 6);

describeEachDialect('e-mail retention', (dialect) => {
  let db: TestDatabase;
  let context: Context;
  let brand: Brand;
  let sink: SmtpSink;
  let clock = START;
  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    sink = await new SmtpSink().start();
    context = await createContext(testConfig(db, { ...mailConfig(sink), lifecycleRetentionDays: 30 }), { now: () => clock });
    brand = await createBrand(context);
  });
  afterAll(async () => {
    await context?.close();
    await sink?.stop();
    await db?.drop();
  });

  const count = async (table: 'lifecycle_events' | 'mail_messages' | 'mail_message_events') => Number((await context.store.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  it('a sent e-mail older than the window goes, then the event it named; a newer one keeps its event', async () => {
    await context.tokens.create(brand.admin, brand.accountId, { name: 'Mailed long ago', scopes: ['listActions'] });
    await context.lifecycle.dispatcher.runOnce();
    while ((await context.lifecycle.mail!.runOnce()) > 0);
    expect(sink.received.length).toBeGreaterThan(0);
    const [messages, links] = [await count('mail_messages'), await count('mail_message_events')];
    expect(messages).toBeGreaterThan(0);

    clock = START + 10 * DAY_MS;
    await context.tokens.create(brand.admin, brand.accountId, { name: 'Mailed recently', scopes: ['listActions'] });
    await context.lifecycle.dispatcher.runOnce();
    while ((await context.lifecycle.mail!.runOnce()) > 0);
    const eventsBefore = await count('lifecycle_events');

    clock = START + 29 * DAY_MS;
    expect(await context.lifecycle.retention.runOnce()).toEqual({ records: 0, events: 0 });

    clock = START + 31 * DAY_MS;
    expect(await context.lifecycle.retention.runOnce()).toEqual({ records: messages, events: 1 });
    expect(await count('mail_messages')).toBe(messages);
    expect(await count('mail_message_events')).toBe(links);
    expect(await count('lifecycle_events')).toBe(eventsBefore - 1);
  });
});
