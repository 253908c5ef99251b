import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { curlBasic, operatorActor, SP_MANAGED } from '../test/helpers/test-app.js';
import { useChromium, useConsoleServer } from './helpers/per-file-setup.js';

/**
 * A setup link that was revoked, or has expired, opens in the customer admin's browser to a page
 * that says so and whom to ask, and nothing of the portal; a portal page already open stops
 * working with it. The server runs on the wall clock (Chromium's cookies and the audit need real
 * time), so the expired link is one whose expiry is moved into the past in the database.
 */
describe('refused setup links in Chromium', () => {
  const server = useConsoleServer();
  const chromium = useChromium();

  const createLink = async (idpId: string, body: object): Promise<{ id: string; url: string }> => {
    const { account } = await server.app.services.accounts.ensureDefaultAccount(operatorActor);
    const credential = await server.app.services.credentials.createConnectionApiCredential(operatorActor(account.id), { description: 'provider backend' });
    const authorization = curlBasic(credential.credential.clientId, credential.clientSecret);
    const res = await fetch(`${server.baseUrl}${SP_MANAGED}/${idpId}/setupLink`, { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status).toBe(201);
    const created = (await res.json()) as { id: string; url: string };
    // The link names the configured public URL; the browser reaches this test server.
    return { id: created.id, url: `${server.baseUrl}${new URL(created.url).pathname}` };
  };
  const revokeLink = async (idpId: string, id: string) => {
    const { account } = await server.app.services.accounts.ensureDefaultAccount(operatorActor);
    const credential = await server.app.services.credentials.createConnectionApiCredential(operatorActor(account.id), { description: 'revoker' });
    const res = await fetch(`${server.baseUrl}${SP_MANAGED}/${idpId}/setupLinks/${id}`, { method: 'DELETE', headers: { authorization: curlBasic(credential.credential.clientId, credential.clientSecret) } });
    expect(res.status).toBe(204);
  };
  const freshPage = async (): Promise<Page> => {
    const context = chromium.closeAfterTest(await chromium.browser.newContext({ locale: 'en-US' }));
    context.setDefaultTimeout(10_000);
    return context.newPage();
  };
  /** The refusal page: its heading and advice, and none of the portal. */
  const expectRefusal = async (page: Page, heading: string, advice: RegExp) => {
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(heading);
    await expect(page.locator('main').textContent()).resolves.toMatch(advice);
    await expect(page.locator('form').count()).resolves.toBe(0);
    await expect(page.getByText('Our details').count()).resolves.toBe(0);
    await expect(page.getByText('Metadata URL').count()).resolves.toBe(0);
    await expect(page.content()).resolves.not.toContain('/saml/sp/');
  };

  it('refuses a revoked link in a fresh browser, and the portal page already open stops working', async () => {
    const link = await createLink('customer030.com', { expiresInMinutes: 60 });
    const open = await freshPage();
    await open.goto(link.url);
    await expect(open.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Set up single sign-on for customer030.com');

    await revokeLink('customer030.com', link.id);

    const page = await freshPage();
    const response = await page.goto(link.url);
    expect(response?.status()).toBe(410);
    await expectRefusal(page, 'This setup link was revoked', /Your provider has withdrawn this link\. Ask them for a new one\./);

    // The admin who still has the portal open submits a form: refused the same way, nothing saved.
    await open.getByLabel('Metadata URL').fill('https://idp.customer030.com/metadata');
    await open.getByRole('button', { name: 'Save metadata URL' }).click();
    await expectRefusal(open, 'This setup link was revoked', /Ask them for a new one/);
    await expect(server.app.services.customers.getCustomer((await server.app.services.accounts.ensureDefaultAccount(operatorActor)).account.id, 'customer030.com')).rejects.toThrow(/No customer/);
  });

  it('refuses an expired link in a fresh browser, and on reload of the page already open', async () => {
    const link = await createLink('customer031.com', { expiresInMinutes: 1 });
    const open = await freshPage();
    await open.goto(link.url);
    await expect(open.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Set up single sign-on for customer031.com');

    // Its minute is up.
    await server.instance.database.db.updateTable('customer_setup_links').set({ expires_at: Date.now() - 1_000 }).where('id', '=', link.id).execute();

    const page = await freshPage();
    const response = await page.goto(link.url);
    expect(response?.status()).toBe(410);
    await expectRefusal(page, 'This setup link has expired', /Setup links work for a limited time\. Ask your provider for a new link\./);

    await open.reload();
    await expectRefusal(open, 'This setup link has expired', /Ask your provider for a new link/);
  });
});
