import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { createExpiryNotices } from '../../src/domain/keys/expiry-notices.js';
import { createLogger } from '../../src/logger.js';
import { generateSigningKeyPair } from '../../src/saml/signing-key-pair.js';
import { appsPerTest } from '../helpers/apps-per-test.js';
import { dropTestDatabases, testDialects } from '../helpers/databases.js';
import { operatorActor } from '../helpers/test-app.js';
import { TestClock } from '../helpers/test-clock.js';

afterAll(dropTestDatabases);

const DAY = 86_400_000;

async function expiryEvents(app: App, accountId: string) {
  return (await app.services.audit.list(accountId, { limit: 100 })).events.filter((e) => e.action.startsWith('certificate.'));
}

describe.each(testDialects)('Certificate expiry notices (%s)', (dialect) => {
  const apps = appsPerTest(dialect);

  it("logs and audits a customer's IdP certificate 30, 7 and 1 days before it expires and once expired, each notice once", async () => {
    const clock = new TestClock();
    const { app, database } = await apps.start({ clock });
    const logged: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logged.push(chunk.toString());
        done();
      },
    });
    // The job as the server builds it, with a log that can be read.
    const notices = createExpiryNotices({ db: database.db, clock, audit: app.services.audit, events: app.services.events, logger: createLogger('warn', sink) });
    const { account } = await app.services.accounts.createAccount(operatorActor, 'Acme SaaS');
    const idpCertificate = await generateSigningKeyPair('idp.customer.example', clock.now(), 40 / 365.25);
    await app.services.customers.putCustomer(operatorActor(account.id), 'customer.example', {
      entityId: 'https://idp.customer.example/saml',
      ssoUrl: 'https://idp.customer.example/sso',
      certificates: [idpCertificate.certificatePem],
    });
    const notAfter = (await app.services.customers.getCustomer(account.id, 'customer.example')).certificates[0]!.notAfter;
    const untilExpiry = Date.parse(notAfter) - clock.now();
    const expectNotices = async (count: number) => {
      // Two runs at once (two instances, say) send a notice once between them.
      const sent = await Promise.all([notices.sendDue(), notices.sendDue()]);
      expect(sent[0] + sent[1]).toBe(count);
    };

    await expectNotices(0);
    clock.advance(untilExpiry - 29 * DAY);
    await expectNotices(1);
    await expectNotices(0);
    clock.advance(22 * DAY);
    await expectNotices(1);
    clock.advance(6.5 * DAY);
    await expectNotices(1);
    // Expired: one more notice, once.
    clock.advance(2 * DAY);
    await expectNotices(1);
    await expectNotices(0);

    const events = await expiryEvents(app, account.id);
    expect(events.map((e) => [e.action, e.targetKind, e.targetId, e.details.noticeDays, e.details.daysLeft])).toEqual([
      ['certificate.expired', 'customer', 'customer.example', 0, 0],
      ['certificate.expiring', 'customer', 'customer.example', 1, 1],
      ['certificate.expiring', 'customer', 'customer.example', 7, 7],
      ['certificate.expiring', 'customer', 'customer.example', 30, 29],
    ]);
    expect(events[1]!.details).toMatchObject({ notAfter, subject: 'CN=idp.customer.example' });
    const warnings = logged.map((line) => JSON.parse(line) as { level: number; msg: string });
    expect(warnings.map((w) => w.msg)).toEqual([
      'the IdP certificate of customer customer.example expires in 29 day(s)',
      'the IdP certificate of customer customer.example expires in 7 day(s)',
      'the IdP certificate of customer customer.example expires in 1 day(s)',
      'the IdP certificate of customer customer.example has expired',
    ]);
    expect(warnings.every((w) => w.level === 40)).toBe(true);
  });

  it('audits our own signing key ahead of its expiry (only the nearest notice when first seen late), and flags an expired customer certificate once', async () => {
    const clock = new TestClock();
    const { app } = await apps.start({ clock });
    const { account } = await app.services.accounts.createAccount(operatorActor, 'Acme SaaS');
    const [key] = await app.services.signingKeys.listKeys(account.id);
    clock.advance(Date.parse(key!.certificate.notAfter) - clock.now() - 5 * DAY);
    // First seen with five days left: the 7-day notice only; the 30-day one is not sent late.
    expect(await app.services.expiryNotices.sendDue()).toBe(1);
    const events = await expiryEvents(app, account.id);
    expect(events.map((e) => [e.action, e.targetKind, e.targetId, e.details.noticeDays])).toEqual([['certificate.expiring', 'signing_key', key!.id, 7]]);

    // A customer saved with an already expired certificate is flagged once.
    const expired = await generateSigningKeyPair('old.customer.example', clock.now() - 30 * DAY, 10 / 365.25);
    await app.services.customers.putCustomer(operatorActor(account.id), 'old.customer.example', {
      entityId: 'https://old.customer.example/saml',
      ssoUrl: 'https://old.customer.example/sso',
      certificates: [expired.certificatePem],
    });
    expect(await app.services.expiryNotices.sendDue()).toBe(1);
    expect(await app.services.expiryNotices.sendDue()).toBe(0);
    expect((await expiryEvents(app, account.id))[0]).toMatchObject({ action: 'certificate.expired', targetKind: 'customer', targetId: 'old.customer.example', details: { daysLeft: 0, noticeDays: 0 } });
  });
});
