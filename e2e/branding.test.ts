import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operatorActor } from '../test/helpers/test-app.js';
import { solidPng } from '../test/helpers/images.js';
import { useChromium } from './helpers/per-file-setup.js';
import { startSsoJourney, type SsoJourney } from './helpers/sso-journey.js';

/**
 * Account › Branding in real Chromium: an admin sets a display name, an accent colour and a logo in
 * the console, and the pages the account's users see (the IdP discovery page the demo app links
 * to, a sign-in error page) show them, under the strict CSP; a page that belongs to no account
 * shows no product name at all.
 */
const LOGO = solidPng(96, 32, [0x2e, 0x86, 0xc1]);
const PASSWORD = 'correct horse branding staple';

const chromium = useChromium();
let journey: SsoJourney;

beforeAll(async () => {
  journey = await startSsoJourney();
  await journey.app.services.admins.createAdmin(operatorActor(journey.accountId), journey.accountId, { email: 'brand@example.com', password: PASSWORD });
});

afterAll(async () => {
  await journey?.close();
});

/** A page that records what the browser refused (CSP violations are console errors) or could not load. */
async function newPage(): Promise<{ page: Page; problems: string[] }> {
  const context = await chromium.newContext(journey.ssoBase);
  const page = await context.newPage();
  const problems: string[] = [];
  // Failed loads are recorded below with their URL (the console's own message does not name it).
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) problems.push(message.text());
  });
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`${response.status()} ${response.url()}`);
  });
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('requestfailed', (request) => problems.push(`failed: ${request.url()}`));
  return { page, problems };
}

/** Whether the image has loaded and decoded: its natural width, 0 if not. */
const loadedWidth = (page: Page, selector: string) =>
  page.locator(selector).evaluate(async (img: HTMLImageElement) => {
    await img.decode().catch(() => undefined);
    return img.naturalWidth;
  });

describe('Account › Branding in Chromium: console → discovery and error pages', () => {
  it('an admin brands the account, and the discovery and error pages show the name, the logo and the colour', async () => {
    const { page, problems } = await newPage();
    await page.goto('/console/sign-in');
    await page.getByLabel('Email address').fill('brand@example.com');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => !url.pathname.endsWith('/sign-in'));

    // Account › Branding from the menu.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Branding' }).click();
    await page.waitForURL('**/console/account/branding');
    await expect(page.getByLabel('Display name').inputValue()).resolves.toBe('Demo SaaS');
    await page.getByLabel('Display name').fill('Initech Payroll');
    await page.getByLabel('Accent colour').fill('#ffcc00');
    await page.getByLabel('Upload a logo').setInputFiles({ name: 'initech.png', mimeType: 'image/png', buffer: LOGO });
    await page.getByRole('button', { name: 'Save branding' }).click();
    await page.waitForURL('**/console/account/branding?notice=saved');
    await expect(page.getByRole('status').textContent()).resolves.toContain('Branding saved.');
    await expect(loadedWidth(page, 'img.logo-preview')).resolves.toBe(96);

    // The demo app's "company account" link leads to the discovery page, in the account's colours.
    await page.goto(`${journey.demoOrigin}/`);
    await page.getByRole('link', { name: 'Sign in with your company account' }).click();
    await page.waitForURL('**/sso/sp/initsso?**');
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Sign in with your company account');
    await expect(page.getByRole('banner').textContent()).resolves.toContain('Initech Payroll');
    await expect(page.title()).resolves.toBe('Sign in with your company account · Initech Payroll');
    await expect(loadedWidth(page, 'img.brand-logo')).resolves.toBe(96);
    const button = page.getByRole('button', { name: 'Continue' });
    const colours = await button.evaluate((b) => ({ background: getComputedStyle(b).backgroundColor, text: getComputedStyle(b).color }));
    // #ffcc00 is light: the text on it is black (19.6:1 against 1.6:1 for white).
    expect(colours).toEqual({ background: 'rgb(255, 204, 0)', text: 'rgb(0, 0, 0)' });
    const contrast = await new AxeBuilder({ page }).withRules(['color-contrast']).analyze();
    expect(contrast.violations.map((v) => v.nodes.map((n) => n.html))).toEqual([]);
    expect((await page.content()).toLowerCase()).not.toContain('ssobridge');

    // An error page of the same sign-in (an errorurl off the app's host) is branded too.
    const saasid = journey.saasid;
    const refused = await page.goto(`${journey.ssoBase}/sso/sp/initsso?saasid=${saasid}&errorurl=${encodeURIComponent('https://elsewhere.example/')}`);
    expect(refused?.status()).toBe(400);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Sign-in failed');
    await expect(page.getByRole('banner').textContent()).resolves.toContain('Initech Payroll');
    await expect(loadedWidth(page, 'img.brand-logo')).resolves.toBe(96);
    const bar = await page.getByRole('banner').evaluate((header) => getComputedStyle(header).borderTopColor);
    expect(bar).toBe('rgb(255, 204, 0)');

    // Only the error page itself answered an error.
    expect(problems).toEqual([`400 ${refused!.url()}`]);
  });

  it('keeps an 80-character name and a wide logo inside a 390 px phone screen', async () => {
    const wide = solidPng(2000, 200, [0x1d, 0x24, 0x33]);
    await journey.app.services.branding.updateBranding(operatorActor(journey.accountId), {
      displayName: 'Initech Payroll and Human Resources Services for Small and Medium Businesses EU!',
      accentColor: '#0b6e4f',
      logo: { bytes: wide, declaredType: 'image/png' },
    });
    const { page, problems } = await newPage();
    await page.setViewportSize({ width: 390, height: 800 });
    await page.goto(`${journey.ssoBase}/sso/sp/initsso?saasid=${journey.saasid}`);
    await expect(page.getByRole('banner').textContent()).resolves.toContain('Small and Medium Businesses EU!');
    await expect(loadedWidth(page, 'img.brand-logo')).resolves.toBe(2000);
    await expect(page.evaluate(() => document.documentElement.scrollWidth)).resolves.toBeLessThanOrEqual(390);
    const colours = await page.getByRole('button', { name: 'Continue' }).evaluate((b) => ({ background: getComputedStyle(b).backgroundColor, text: getComputedStyle(b).color }));
    expect(colours).toEqual({ background: 'rgb(11, 110, 79)', text: 'rgb(255, 255, 255)' });
    expect(problems).toEqual([]);
  });

  it('shows a neutral page, with no product name and no branding, when a request belongs to no account', async () => {
    const { page, problems } = await newPage();
    const unknown = await page.goto(`${journey.ssoBase}/sso/sp/initsso?saasid=00000000-0000-4000-8000-000000000000`);
    expect(unknown?.status()).toBe(404);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Sign-in failed');
    await expect(page.getByRole('banner').count()).resolves.toBe(0);
    await expect(page.locator('img').count()).resolves.toBe(0);
    await expect(page.title()).resolves.toBe('Sign-in failed');
    expect((await page.content()).toLowerCase()).not.toContain('ssobridge');

    // A post to the ACS that cannot be read (as a broken IdP or a stray form would send).
    await page.setContent(`<form method="post" action="${journey.ssoBase}/sso/sp/ACS.saml2"><input name="SAMLResponse" value="not a response"><button>Post</button></form>`);
    await Promise.all([page.waitForURL('**/sso/sp/ACS.saml2'), page.getByRole('button', { name: 'Post' }).click()]);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Sign-in failed');
    await expect(page.getByRole('banner').count()).resolves.toBe(0);
    expect((await page.content()).toLowerCase()).not.toContain('ssobridge');
    expect((await page.content())).not.toContain('Demo SaaS');
    expect(problems).toEqual([`404 ${unknown!.url()}`, `400 ${journey.ssoBase}/sso/sp/ACS.saml2`]);
  });
});
