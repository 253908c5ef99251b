import { sql } from 'kysely';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors.js';
import { ConsoleClient } from '../helpers/console-client.js';
import { dropTestDatabases, testDialects } from '../helpers/databases.js';
import { operatorActor, startInstance, startTestApp, type TestInstance } from '../helpers/test-app.js';

afterAll(dropTestDatabases);

const PASSWORD = 'correct horse battery staple';
const CLI = 'npx ssobridge admin create --email you@example.com';

async function adminCount(instance: TestInstance): Promise<number> {
  const { rows } = await sql<{ n: number | string }>`select count(*) as n from admins`.execute(instance.database.db);
  return Number(rows[0]!.n);
}

/** The setup page as a person opening the link sees it. */
async function open(instance: TestInstance, token: string) {
  const browser = new ConsoleClient(instance.app);
  const page = await browser.get(`/console/setup?token=${token}`);
  return { browser, page };
}

function expectVoidLinkPage(body: string): void {
  expect(body).toContain('This setup link no longer works');
  expect(body).toContain(CLI);
  expect(body).toContain('href="/console/sign-in"');
  // The old advice (restart for a new link) prints nothing once an admin exists.
  expect(body).not.toContain('Restart the server for a new one');
}

describe.each(testDialects)('first-admin setup links (%s)', (dialect) => {
  const instances: TestInstance[] = [];
  afterEach(async () => {
    for (const instance of instances.splice(0).reverse()) await instance.close();
  });

  /** Two instances on one database, as behind a load balancer, with the default account and no admin. */
  async function twoInstances() {
    const first = await startTestApp(dialect);
    instances.push(first);
    const second = await startInstance(first.location, { clock: first.clock });
    instances.push(second);
    const { account } = await first.app.services.accounts.ensureDefaultAccount(operatorActor);
    return { first, second, accountId: account.id };
  }

  it('keeps every unexpired link working until the first admin exists, then voids them all', async () => {
    const { first, second, accountId } = await twoInstances();
    const printedAtFirstStart = (await first.app.services.accounts.issueSetupToken(accountId))!;
    const printedBySecondInstance = (await second.app.services.accounts.issueSetupToken(accountId))!;
    first.clock.advance(3600_000);
    const printedAfterRestart = (await first.app.services.accounts.issueSetupToken(accountId))!;
    const links = [printedAtFirstStart, printedBySecondInstance, printedAfterRestart];
    expect(new Set(links).size).toBe(3);

    // Every link opens the form, on either instance.
    for (const token of links) {
      for (const instance of [first, second]) expect((await open(instance, token)).page.statusCode).toBe(200);
    }

    // The link printed first is used, on the other instance.
    const { browser } = await open(second, printedAtFirstStart);
    const done = await browser.post('/console/setup', { token: printedAtFirstStart, email: 'first@example.com', password: PASSWORD, confirm: PASSWORD });
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe('/console/account/integration');
    expect(await adminCount(first)).toBe(1);

    // Now every link is void, on both instances, and says what to do instead.
    for (const token of links) {
      for (const instance of [first, second]) {
        const { page } = await open(instance, token);
        expect(page.statusCode).toBe(404);
        expectVoidLinkPage(page.body);
      }
    }
    // A form opened before the admin existed cannot create a second one.
    const stale = await open(first, printedAfterRestart);
    expect(stale.page.statusCode).toBe(404);
    await expect(first.app.services.admins.completeSetup(printedAfterRestart, { email: 'second@example.com', password: PASSWORD }, '127.0.0.1')).rejects.toMatchObject({
      code: 'SETUP_TOKEN_INVALID',
    });
    expect(await adminCount(first)).toBe(1);
    // And no instance prints a new one.
    expect(await second.app.services.accounts.issueSetupToken(accountId)).toBeUndefined();
  });

  it('answers a form posted with a used link with what to do now', async () => {
    const { first, accountId } = await twoInstances();
    const a = (await first.app.services.accounts.issueSetupToken(accountId))!;
    const b = (await first.app.services.accounts.issueSetupToken(accountId))!;
    const opened = await open(first, b);
    await first.app.services.admins.completeSetup(a, { email: 'first@example.com', password: PASSWORD }, '127.0.0.1');
    const posted = await opened.browser.post('/console/setup', { token: b, email: 'other@example.com', password: PASSWORD, confirm: PASSWORD });
    expect(posted.statusCode).toBe(404);
    expectVoidLinkPage(posted.body);
  });

  it('voids the links when the first admin is made with the CLI command instead', async () => {
    const { first, accountId } = await twoInstances();
    const token = (await first.app.services.accounts.issueSetupToken(accountId))!;
    await first.app.services.admins.createAdmin(operatorActor(accountId), accountId, { email: 'ops@example.com', password: PASSWORD });
    const { page } = await open(first, token);
    expect(page.statusCode).toBe(404);
    expectVoidLinkPage(page.body);
  });

  it('expires a link after 24 hours and says what to do', async () => {
    const { first, accountId } = await twoInstances();
    const token = (await first.app.services.accounts.issueSetupToken(accountId))!;
    first.clock.advance(24 * 3600_000 - 1000);
    expect((await open(first, token)).page.statusCode).toBe(200);
    first.clock.advance(2000);
    const { page } = await open(first, token);
    expect(page.statusCode).toBe(404);
    expectVoidLinkPage(page.body);
  });

  it('creates exactly one admin when several links are used at the same moment', async () => {
    const { first, second, accountId } = await twoInstances();
    const tokens: string[] = [];
    for (let i = 0; i < 6; i++) tokens.push((await (i % 2 ? second : first).app.services.accounts.issueSetupToken(accountId))!);
    for (const token of tokens) await expect(first.app.services.admins.isSetupTokenValid(token)).resolves.toBe(true);
    const results = await Promise.allSettled(
      tokens.map((token, i) => (i % 2 ? second : first).app.services.admins.completeSetup(token, { email: `racer${i}@example.com`, password: PASSWORD }, '127.0.0.1')),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) {
      if (r.status === 'rejected') expect(isAppError(r.reason) && r.reason.code).toBe('SETUP_TOKEN_INVALID');
    }
    expect(await adminCount(first)).toBe(1);
  });
});
