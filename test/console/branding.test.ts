import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fieldErrorText, inputValue, signedInAdmin, unescapeHtml } from '../helpers/console-admin.js';
import { dropTestDatabases, testDialects } from '../helpers/databases.js';
import { GIF_1X1, JPEG_24X12, noisePng, SCRIPTED_SVG, solidPng } from '../helpers/images.js';
import { autoPostForm, idpResponse, ssoSetUp } from '../helpers/sso-fixture.js';
import { restAppInput, startTestApp, type TestInstance } from '../helpers/test-app.js';

afterAll(dropTestDatabases);

const BRANDING = '/console/account/branding';
const ACS = 'http://localhost:8080/sso/sp/ACS.saml2';
const LOGO = solidPng(120, 40, [0x12, 0x34, 0x56]);

function brandingForm(fields: { displayName: string; accentColor: string; removeLogo?: boolean }, logo?: { bytes: Buffer; type: string; name: string }): FormData {
  const form = new FormData();
  form.set('displayName', fields.displayName);
  form.set('accentColor', fields.accentColor);
  if (fields.removeLogo) form.set('removeLogo', 'true');
  // A file input with no file chosen is still sent, with an empty file name.
  form.set('logo', logo ? new Blob([new Uint8Array(logo.bytes)], { type: logo.type }) : new Blob([], { type: 'application/octet-stream' }), logo?.name ?? '');
  return form;
}

/** The end-user page's branding, as the markup carries it. */
function brandOf(html: string) {
  return {
    title: /<title>([^<]*)<\/title>/.exec(html)?.[1],
    name: /<span class="brand-name">([^<]*)<\/span>/.exec(html)?.[1],
    logo: /<img class="brand-logo" src="([^"]+)"/.exec(html)?.[1],
    stylesheet: /<link rel="stylesheet" href="(\/sso\/branding\/accent\/[^"]+)">/.exec(html)?.[1],
  };
}

describe.each(testDialects)('Account › Branding and branded end-user pages (%s)', (dialect) => {
  // One server for the file: every test works in accounts of its own, which is also what keeps them apart.
  let instance: TestInstance;
  beforeAll(async () => {
    instance = await startTestApp(dialect);
  });
  afterAll(async () => instance?.close());

  async function setUp(name = 'Acme SaaS') {
    const app = instance.app;
    const admin = await signedInAdmin(app, name);
    const billing = await app.services.applications.createApplication(admin.actor, restAppInput('Billing'));
    return { app, ...admin, billing };
  }

  async function save(browser: Awaited<ReturnType<typeof setUp>>['browser'], form: FormData) {
    await browser.get(BRANDING);
    return browser.postMultipart(BRANDING, form);
  }

  it("shows the account's name and the default colour until saved, under Account in the menu", async () => {
    const { browser } = await setUp('Globex Corporation');
    const page = await browser.get(BRANDING);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<a href="/console/account/branding" aria-current="page">Branding</a>');
    expect(inputValue(page.body, 'branding-displayName')).toBe('Globex Corporation');
    expect(inputValue(page.body, 'branding-accentColor')).toBe('#1f5fbf');
    expect(page.body).toContain('enctype="multipart/form-data"');
  });

  it('saves the display name, colour and a PNG logo, audits the change, and the discovery page shows them', async () => {
    const { app, browser, accountId, billing } = await setUp();
    const saved = await save(browser, brandingForm({ displayName: '  Initech Payroll ', accentColor: '#FFCC00' }, { bytes: LOGO, type: 'image/png', name: 'initech.png' }));
    expect(saved.statusCode, saved.body).toBe(303);
    expect(saved.headers.location).toBe(`${BRANDING}?notice=saved`);

    const branding = await app.services.branding.getBranding(accountId);
    expect(branding).toMatchObject({ displayName: 'Initech Payroll', accentColor: '#ffcc00', textOnAccent: '#000000', saved: true, logo: { contentType: 'image/png', width: 120, height: 40 } });
    const page = await browser.get(`${BRANDING}?notice=saved`);
    expect(page.body).toContain('Branding saved.');
    expect(page.body).toContain(`<img class="logo-preview" src="/sso/branding/logo/${branding.logo!.sha256}" alt="Current logo"`);

    const { events } = await app.services.audit.list(accountId, { limit: 5 });
    expect(events[0]).toMatchObject({
      action: 'branding.updated',
      actorKind: 'admin',
      targetKind: 'account',
      targetId: accountId,
      details: { changed: 'displayName, accentColor, logo', displayName: 'Initech Payroll', accentColor: '#ffcc00', logo: 'replaced', logoSha256: branding.logo!.sha256, logoType: 'image/png', logoBytes: LOGO.length },
    });

    const discovery = await app.inject({ method: 'GET', url: `/sso/sp/initsso?saasid=${billing.saasid}` });
    expect(discovery.statusCode).toBe(200);
    expect(brandOf(discovery.body)).toEqual({
      title: 'Sign in with your company account · Initech Payroll',
      name: 'Initech Payroll',
      logo: `/sso/branding/logo/${branding.logo!.sha256}`,
      stylesheet: '/sso/branding/accent/ffcc00.css',
    });
    expect(discovery.body).not.toContain('ssobridge');

    // Removing the logo keeps the rest, and is audited as such.
    await save(browser, brandingForm({ displayName: 'Initech Payroll', accentColor: '#ffcc00', removeLogo: true }));
    expect((await app.services.branding.getBranding(accountId)).logo).toBeNull();
    expect((await app.services.audit.list(accountId, { limit: 1 })).events[0]!.details).toMatchObject({ changed: 'logo', logo: 'removed' });
    expect(brandOf((await app.inject({ method: 'GET', url: `/sso/sp/initsso?saasid=${billing.saasid}` })).body).logo).toBeUndefined();
  });

  it.each([
    ['a colour that is not #rrggbb', { displayName: 'Initech', accentColor: 'red' }, undefined, 'accentColor', 'must be a colour written #rrggbb, such as #1f5fbf'],
    ['a short colour', { displayName: 'Initech', accentColor: '#fc0' }, undefined, 'accentColor', 'must be a colour written #rrggbb, such as #1f5fbf'],
    ['an empty display name', { displayName: '   ', accentColor: '#123456' }, undefined, 'displayName', 'must not be empty'],
    ['an 81-character display name', { displayName: 'x'.repeat(81), accentColor: '#123456' }, undefined, 'displayName', 'must be at most 80 characters long'],
    ['a logo over 64 KiB', { displayName: 'Initech', accentColor: '#123456' }, { bytes: noisePng(160, 160), type: 'image/png', name: 'big.png' }, 'logo', /^must be at most 64 KiB; this file is 7\d\.\d KiB$/],
    // Past the server's usual 256 KiB body limit, still refused by name: the form's own limit is 1 MiB.
    ['a 300 KiB logo', { displayName: 'Initech', accentColor: '#123456' }, { bytes: noisePng(320, 320), type: 'image/png', name: 'huge.png' }, 'logo', /^must be at most 64 KiB; this file is 30\d\.\d KiB$/],
    [
      'an SVG logo',
      { displayName: 'Initech', accentColor: '#123456' },
      { bytes: SCRIPTED_SVG, type: 'image/svg+xml', name: 'logo.svg' },
      'logo',
      'must be a PNG or JPEG image; this file is an SVG image (SVG can carry scripts, so it is not accepted: export the logo as PNG)',
    ],
    ['a GIF logo named .png', { displayName: 'Initech', accentColor: '#123456' }, { bytes: GIF_1X1, type: 'image/png', name: 'logo.png' }, 'logo', 'must be a PNG or JPEG image; this file is a GIF image'],
    ['a text file', { displayName: 'Initech', accentColor: '#123456' }, { bytes: Buffer.from('not a logo'), type: 'text/plain', name: 'logo.txt' }, 'logo', 'must be a PNG or JPEG image; this file is not an image we recognise (sent as text/plain)'],
    ['a PNG of 4000 × 10 pixels', { displayName: 'Initech', accentColor: '#123456' }, { bytes: solidPng(4000, 10, [0, 0, 0]), type: 'image/png', name: 'wide.png' }, 'logo', 'must be at most 2048 × 2048 pixels; this image is 4000 × 10'],
  ] as const)('refuses %s, saying why next to the field, and saves nothing', async (_case, fields, logo, field, message) => {
    const { app, browser, accountId } = await setUp('Initrode');
    const refused = await save(browser, brandingForm(fields, logo));
    expect(refused.statusCode).toBe(400);
    const text = unescapeHtml(fieldErrorText(refused.body, `branding-${field}-error`) ?? '');
    if (typeof message === 'string') expect(text).toBe(message);
    else expect(text).toMatch(message);
    expect(refused.body).toContain('The branding was not saved.');
    // What the admin typed stays in the form.
    expect(unescapeHtml(inputValue(refused.body, 'branding-displayName') ?? '')).toBe(fields.displayName);
    expect(await app.services.branding.getBranding(accountId)).toMatchObject({ saved: false, displayName: 'Initrode', logo: null });
    expect((await app.services.audit.list(accountId, { limit: 50 })).events.filter((e) => e.action === 'branding.updated')).toEqual([]);
  });

  it('answers 413 for a form over 1 MiB, before reading it', async () => {
    const { app, browser, accountId } = await setUp();
    const res = await save(browser, brandingForm({ displayName: 'Initech', accentColor: '#123456' }, { bytes: noisePng(620, 620), type: 'image/png', name: 'photo.png' }));
    expect(res.statusCode).toBe(413);
    expect(res.body).toContain('The request body is too large.');
    expect((await app.services.branding.getBranding(accountId)).saved).toBe(false);
  });

  it('refuses a branding form without a valid CSRF token', async () => {
    const { app, browser, accountId } = await setUp();
    await browser.get(BRANDING);
    const form = brandingForm({ displayName: 'Forged', accentColor: '#000000' });
    form.set('_csrf', 'forged');
    const res = await browser.postMultipart(BRANDING, form);
    expect(res.statusCode).toBe(403);
    expect((await app.services.branding.getBranding(accountId)).saved).toBe(false);
  });

  it('serves the logo from our origin as an inert image: exact type, nosniff, sandboxed CSP, cached by its hash', async () => {
    const { app, browser, accountId } = await setUp();
    await save(browser, brandingForm({ displayName: 'Initech', accentColor: '#123456' }, { bytes: JPEG_24X12, type: 'image/jpeg', name: 'logo.jpg' }));
    const jpeg = (await app.services.branding.getBranding(accountId)).logo!;
    expect(jpeg).toMatchObject({ contentType: 'image/jpeg', width: 24, height: 12 });
    const res = await app.inject({ method: 'GET', url: `/sso/branding/logo/${jpeg.sha256}` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/jpeg');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toBe("default-src 'none'; sandbox");
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.rawPayload.equals(JPEG_24X12)).toBe(true);

    // A new logo gets a new URL; the old one is gone, and names that are not a SHA-256 are not looked up.
    await save(browser, brandingForm({ displayName: 'Initech', accentColor: '#123456' }, { bytes: LOGO, type: 'image/png', name: 'logo.png' }));
    const png = (await app.services.branding.getBranding(accountId)).logo!;
    expect((await app.inject({ method: 'GET', url: `/sso/branding/logo/${png.sha256}` })).headers['content-type']).toBe('image/png');
    expect((await app.inject({ method: 'GET', url: `/sso/branding/logo/${jpeg.sha256}` })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: `/sso/branding/logo/${png.sha256.toUpperCase()}` })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/sso/branding/logo/x' })).statusCode).toBe(404);
  });

  it('serves the accent stylesheet with the readable text colour, cached for good', async () => {
    const { app } = await setUp();
    const yellow = await app.inject({ method: 'GET', url: '/sso/branding/accent/ffcc00.css' });
    expect(yellow.statusCode).toBe(200);
    expect(yellow.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(yellow.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(yellow.body).toContain(':root { --brand-accent: #ffcc00; --brand-on-accent: #000000; }');
    expect((await app.inject({ method: 'GET', url: '/sso/branding/accent/1f5fbf.css' })).body).toContain('--brand-on-accent: #ffffff;');
    for (const bad of ['FFCC00.css', 'ffcc0.css', 'ffcc00', 'ffcc00.css.map', '..%2Fconsole.css']) {
      expect((await app.inject({ method: 'GET', url: `/sso/branding/accent/${bad}` })).statusCode, bad).toBe(404);
    }
  });

  it("keeps accounts apart: one account's branding never shows on another's pages, console or audit log", async () => {
    const a = await setUp('Account A');
    const b = await setUp('Account B');
    await save(a.browser, brandingForm({ displayName: 'Alpha Brand', accentColor: '#aa0000' }, { bytes: LOGO, type: 'image/png', name: 'a.png' }));
    await save(b.browser, brandingForm({ displayName: 'Beta Brand', accentColor: '#00aa00' }));

    const discoveryA = brandOf((await a.app.inject({ method: 'GET', url: `/sso/sp/initsso?saasid=${a.billing.saasid}` })).body);
    const discoveryB = await a.app.inject({ method: 'GET', url: `/sso/sp/initsso?saasid=${b.billing.saasid}` });
    expect(discoveryA).toMatchObject({ name: 'Alpha Brand', stylesheet: '/sso/branding/accent/aa0000.css' });
    expect(brandOf(discoveryB.body)).toEqual({ title: 'Sign in with your company account · Beta Brand', name: 'Beta Brand', logo: undefined, stylesheet: '/sso/branding/accent/00aa00.css' });
    expect(discoveryB.body).not.toContain('Alpha');

    const consoleB = await b.browser.get(BRANDING);
    expect(inputValue(consoleB.body, 'branding-displayName')).toBe('Beta Brand');
    expect(consoleB.body).not.toContain('logo-preview');
    const auditB = (await b.app.services.audit.list(b.accountId, { limit: 50 })).events.filter((e) => e.action === 'branding.updated');
    expect(auditB.map((e) => e.details.displayName)).toEqual(['Beta Brand']);
    expect((await a.app.services.branding.getBranding(a.accountId)).displayName).toBe('Alpha Brand');
  });

  it("brands error and hand-off pages with the account of the sign-in, and shows a neutral page when the post names no account", async () => {
    const { app } = instance;
    const s = await ssoSetUp(app, { ssoBinding: 'post' });
    await app.services.branding.updateBranding(s.actor, { displayName: 'Acme Cloud', accentColor: '#5b2c6f' });

    // initsso with an errorurl off the app's host: a page, since that URL cannot be trusted.
    const badErrorUrl = await app.inject({ method: 'GET', url: `/sso/sp/initsso?saasid=${s.rest.saasid}&idpid=customer001.com&errorurl=${encodeURIComponent('https://evil.example/')}` });
    expect(badErrorUrl.statusCode).toBe(400);
    expect(badErrorUrl.body).toContain('<h1>Sign-in failed</h1>');
    expect(brandOf(badErrorUrl.body)).toEqual({ title: 'Sign-in failed · Acme Cloud', name: 'Acme Cloud', logo: undefined, stylesheet: '/sso/branding/accent/5b2c6f.css' });

    // The POST-binding hand-off to the customer's IdP: branded, and its CSP lets our logo load.
    const toIdp = await app.inject({ method: 'GET', url: `/sso/sp/initsso?saasid=${s.rest.saasid}&idpid=customer001.com` });
    expect(toIdp.statusCode).toBe(200);
    expect(brandOf(toIdp.body).name).toBe('Acme Cloud');
    expect(toIdp.headers['content-security-policy']).toContain("img-src 'self' data:");

    // An ACS failure traced to the account (a SAML app has no error URL): branded.
    const wrongAudience = idpResponse(s.idpKey, { destination: ACS, audience: 'https://not-us.example/', inResponseTo: null });
    const acsFailure = await app.inject({
      method: 'POST',
      url: `/sso/sp/ACS.saml2?saasid=${s.saml.saasid}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ SAMLResponse: wrongAudience }).toString(),
    });
    expect(acsFailure.statusCode).toBe(400);
    expect(brandOf(acsFailure.body)).toMatchObject({ title: 'Sign-in failed · Acme Cloud', name: 'Acme Cloud' });

    // The hand-off of a good IdP-initiated login to the SAML app: branded.
    const good = idpResponse(s.idpKey, { destination: ACS, audience: `http://localhost:8080/saml/sp/${s.accountId}`, inResponseTo: null });
    const toApp = await app.inject({
      method: 'POST',
      url: `/sso/sp/ACS.saml2?saasid=${s.saml.saasid}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ SAMLResponse: good }).toString(),
    });
    expect(toApp.statusCode, toApp.body).toBe(200);
    expect(autoPostForm(toApp.body).action).toBe('https://analytics.example.com/saml/acs');
    expect(brandOf(toApp.body).name).toBe('Acme Cloud');

    // Posts that name no account we know: no product name, no account's name, no branding.
    for (const payload of [{}, { SAMLResponse: 'not base64 XML' }] as Record<string, string>[]) {
      const neutral = await app.inject({ method: 'POST', url: '/sso/sp/ACS.saml2', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(payload).toString() });
      expect(neutral.statusCode).toBe(400);
      expect(neutral.body).toContain('<h1>Sign-in failed</h1>');
      expect(brandOf(neutral.body)).toEqual({ title: 'Sign-in failed', name: undefined, logo: undefined, stylesheet: undefined });
      expect(neutral.body.toLowerCase()).not.toContain('ssobridge');
      expect(neutral.body).not.toContain('Acme');
    }
  });
});
