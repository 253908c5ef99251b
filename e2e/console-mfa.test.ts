import * as OTPAuth from 'otpauth';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { createAccountWithAdmin, signIn, type AdminLogin } from './helpers/console-browser.js';
import { useChromium, useConsoleServer } from './helpers/per-file-setup.js';

// Account › Administrators and two-step verification (issue 11, item 4), in real Chromium.

const server = useConsoleServer();
const chromium = useChromium();

async function openPage(): Promise<Page> {
  return (await chromium.newContext(server.baseUrl)).newPage();
}

/** What the admin's authenticator app shows, `steps` periods from now (the server runs on the wall clock). */
function authenticatorCode(secret: string, steps = 0): string {
  return OTPAuth.TOTP.generate({ secret: OTPAuth.Secret.fromBase32(secret), timestamp: Date.now() + steps * 30_000 });
}

async function signOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: /Sign out|Cancel and sign in again/ }).first().click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
}

async function submitPassword(page: Page, login: AdminLogin): Promise<void> {
  await page.goto('/console/sign-in');
  await page.getByLabel('Email address').fill(login.email);
  await page.getByLabel('Password').fill(login.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

async function submitCode(page: Page, code: string): Promise<void> {
  await page.getByRole('heading', { name: 'Two-step verification' }).waitFor();
  await page.getByLabel('Code').fill(code);
  await page.getByRole('button', { name: 'Verify' }).click();
}

/** Sets up TOTP from the two-step verification page as a person with an authenticator app would; returns the key and recovery codes. */
async function enrolOnOpenPage(page: Page): Promise<{ secret: string; recoveryCodes: string[] }> {
  const secret = ((await page.locator('#totp-secret').textContent()) ?? '').replace(/\s+/g, '');
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  // The QR code authenticator apps scan: an SVG drawn on the server, nothing but shapes.
  const qr = page.getByRole('img', { name: 'QR code of the otpauth link for your authenticator app' });
  expect(await qr.locator('svg path').count()).toBe(1);
  expect(await qr.locator('script, [style]').count()).toBe(0);
  expect((await qr.boundingBox())!.width).toBeGreaterThan(100);
  await expect(page.locator('#totp-uri').textContent()).resolves.toContain(`secret=${secret}`);
  await page.getByLabel('Code from the app').fill(authenticatorCode(secret));
  await page.getByRole('button', { name: 'Turn on two-step verification' }).click();
  await page.getByRole('heading', { name: 'Your recovery codes' }).waitFor();
  const recoveryCodes = await page.getByRole('list', { name: 'Recovery codes' }).locator('code').allTextContents();
  expect(recoveryCodes).toHaveLength(10);
  return { secret, recoveryCodes };
}

describe('administrators and two-step verification, in Chromium', () => {
  it('sets up TOTP, then asks for the code at sign-in: a wrong code and a replayed code are refused, a recovery code works once', async () => {
    const login = await createAccountWithAdmin(server.app, 'Second Factor SaaS', 'totp@example.com');
    const page = await openPage();
    await signIn(page, login);
    await page.getByRole('link', { name: 'Administrators' }).click();
    await page.getByRole('link', { name: 'Two-step verification' }).click();
    const { secret, recoveryCodes } = await enrolOnOpenPage(page);
    await page.getByRole('link', { name: 'I have saved them' }).click();
    await page.getByText('Two-step verification is on').waitFor();
    await signOut(page);

    // The password alone opens nothing else.
    await submitPassword(page, login);
    await page.waitForURL('**/console/sign-in/verify');
    await page.goto('/console/applications');
    await page.waitForURL('**/console/sign-in/verify');

    // A code several periods away is wrong.
    await submitCode(page, authenticatorCode(secret, 5));
    await expect(page.getByRole('alert').first().textContent()).resolves.toContain('The code is not correct');

    // The enrolment used the current period's code: the app's next one is fresh.
    const code = authenticatorCode(secret, 1);
    await submitCode(page, code);
    await page.waitForURL('**/console/account/integration/connection-api');
    await signOut(page);

    await submitPassword(page, login);
    await submitCode(page, code);
    await expect(page.getByRole('alert').first().textContent()).resolves.toContain('already used');

    await submitCode(page, recoveryCodes[0]!);
    await page.waitForURL('**/console/account/integration/connection-api');
    await page.goto('/console/account/two-step-verification');
    await page.getByText('9 of 10 recovery codes left.').waitFor();
    await signOut(page);

    await submitPassword(page, login);
    await submitCode(page, recoveryCodes[0]!);
    await expect(page.getByRole('alert').first().textContent()).resolves.toContain('The code is not correct');
    await submitCode(page, recoveryCodes[1]!);
    await page.waitForURL('**/console/account/integration/connection-api');
  });

  it('invites a second administrator, whose one-time link lets them choose a password and sign in', async () => {
    const login = await createAccountWithAdmin(server.app, 'Invitations SaaS', 'inviter@example.com');
    const page = await openPage();
    await signIn(page, login);
    await page.goto('/console/account/administrators');
    await page.getByLabel('Email address').fill('invitee@example.com');
    await page.getByRole('button', { name: 'Invite administrator' }).click();
    const link = (await page.locator('#invitation-link').textContent()) ?? '';
    const path = link.replace('http://localhost:8080', '');
    expect(path).toMatch(/^\/console\/join\?token=/);
    await page.getByRole('region', { name: 'Open invitations' }).getByRole('cell', { name: 'invitee@example.com', exact: true }).waitFor();

    const invitee = await openPage();
    await invitee.goto(path);
    await invitee.getByRole('heading', { name: 'Become an administrator' }).waitFor();
    await invitee.getByText('invitee@example.com').waitFor();
    await invitee.getByLabel('Password', { exact: true }).fill('invitee password 123');
    await invitee.getByLabel('Confirm password').fill('invitee password 123');
    await invitee.getByRole('button', { name: 'Create my administrator account' }).click();
    await invitee.waitForURL('**/console/account/integration/connection-api');

    await page.goto('/console/account/administrators');
    const table = page.getByRole('region', { name: 'Administrators' });
    await table.getByRole('cell', { name: 'invitee@example.com', exact: true }).waitFor();
    await expect(table.getByRole('row').count()).resolves.toBe(3);
    await expect(page.getByRole('region', { name: 'Open invitations' }).count()).resolves.toBe(0);

    // Removed again: the invitee's session ends with them.
    await page.getByRole('link', { name: 'Remove invitee@example.com' }).click();
    await page.getByRole('button', { name: 'Remove administrator' }).click();
    await page.getByText('The administrator was removed.').waitFor();
    await expect(table.getByRole('row').count()).resolves.toBe(2);
    await invitee.goto('/console/applications');
    await invitee.getByRole('heading', { name: 'Sign in' }).waitFor();

    // The link worked once.
    const again = await openPage();
    await again.goto(path);
    await again.getByRole('heading', { name: 'This invitation link no longer works' }).waitFor();
  });

  it('sends an administrator without two-step verification to set it up when the account requires it', async () => {
    const login = await createAccountWithAdmin(server.app, 'Required SaaS', 'owner@example.com');
    const page = await openPage();
    await signIn(page, login);
    await page.goto('/console/account/two-step-verification');
    await enrolOnOpenPage(page);
    await page.goto('/console/account/administrators');
    await page.getByLabel('Require two-step verification for all administrators').check();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Administrator settings saved.').waitFor();

    await page.getByLabel('Email address').fill('newcomer@example.com');
    await page.getByRole('button', { name: 'Invite administrator' }).click();
    const path = ((await page.locator('#invitation-link').textContent()) ?? '').replace('http://localhost:8080', '');

    const newcomer = await openPage();
    await newcomer.goto(path);
    await newcomer.getByLabel('Password', { exact: true }).fill('newcomer password 123');
    await newcomer.getByLabel('Confirm password').fill('newcomer password 123');
    await newcomer.getByRole('button', { name: 'Create my administrator account' }).click();
    await newcomer.waitForURL('**/console/account/two-step-verification');
    await newcomer.getByText('This account requires two-step verification of every administrator. Set it up to continue.').waitFor();
    await newcomer.goto('/console/applications');
    await newcomer.waitForURL('**/console/account/two-step-verification');
    await enrolOnOpenPage(newcomer);
    await newcomer.goto('/console/applications');
    await newcomer.getByRole('heading', { name: 'Applications' }).waitFor();
  });
});
