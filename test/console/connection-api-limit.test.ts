import { afterAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors.js';
import { appsPerTest } from '../helpers/apps-per-test.js';
import { signedInAdmin } from '../helpers/console-admin.js';
import { dropTestDatabases, testDialects } from '../helpers/databases.js';

afterAll(dropTestDatabases);

const LIST = '/console/account/integration/connection-api';
const LIMIT = 'An account can have at most 3 Connection API credentials. Delete one to add another.';

describe.each(testDialects)('the Connection API credential limit in the console (%s)', (dialect) => {
  const apps = appsPerTest(dialect);

  async function atTwo() {
    const instance = await apps.start();
    const admin = await signedInAdmin(instance.app);
    for (const description of ['A', 'B']) await instance.app.services.credentials.createConnectionApiCredential(admin.actor, { description });
    const addThird = () => apps.current.app.services.credentials.createConnectionApiCredential(admin.actor, { description: 'C (another admin)' });
    return { ...admin, addThird };
  }

  it('words the limit the same way in the API error, the disabled button and the wizard', async () => {
    const { browser, addThird } = await atTwo();
    await addThird();
    const refused = await addThird().catch((error: unknown) => error);
    expect(isAppError(refused) && refused.code).toBe('CREDENTIAL_LIMIT_REACHED');
    expect(isAppError(refused) && refused.message).toBe(LIMIT);
    const list = await browser.get(LIST);
    expect(list.body).toMatch(/<button type="button" class="primary" disabled aria-describedby="limit-note">Add Secret<\/button>/);
    expect(list.body).toContain(`<p class="hint" id="limit-note">${LIMIT}</p>`);
  });

  it('explains the limit instead of opening the wizard from a page loaded before the last place was taken', async () => {
    const { browser, addThird } = await atTwo();
    const stale = await browser.get(LIST);
    expect(stale.body).toContain(`action="${LIST}/new"`);
    await addThird();
    const wizard = await browser.get(`${LIST}/new`);
    expect(wizard.statusCode).toBe(200);
    expect(wizard.body).not.toContain('Step 1 of 2');
    expect(wizard.body).toContain(`<div class="banner error" role="alert" id="limit-note">${LIMIT}</div>`);
    // Step 1 posted from a wizard opened earlier: the same answer, not step 2.
    const next = await browser.post(`${LIST}/new`, { description: 'D' });
    expect(next.statusCode).toBe(409);
    expect(next.body).not.toContain('Step 2 of 2');
    expect(next.body).toContain(LIMIT);
  });

  it('answers Done with the same words when the last place went while the wizard was open', async () => {
    const { browser, accountId, addThird } = await atTwo();
    await browser.get(`${LIST}/new`);
    const stepTwo = await browser.post(`${LIST}/new`, { description: 'D' });
    expect(stepTwo.body).toContain('Step 2 of 2');
    const submissionKey = /name="submissionKey" value="([^"]+)"/.exec(stepTwo.body)![1]!;
    await addThird();
    const done = await browser.post(LIST, { description: 'D', submissionKey });
    expect(done.statusCode).toBe(409);
    expect(done.body).toContain(`<div class="banner error" role="alert" id="limit-note">${LIMIT}</div>`);
    expect(done.body.split(LIMIT)).toHaveLength(2);
    expect(await apps.current.app.services.credentials.listConnectionApiCredentials(accountId)).toHaveLength(3);
  });
});
