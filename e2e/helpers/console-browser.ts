import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { App } from '../../src/app.js';
import { dropTestDatabases } from '../../test/helpers/databases.js';
import { operatorActor, SP_MANAGED, startTestApp, type TestInstance } from '../../test/helpers/test-app.js';
import { TestClock } from '../../test/helpers/test-clock.js';

/** The Debian `chromium` package; the browser tests never download a browser of their own. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/**
 * Real Chromium with a fresh temporary profile. A missing browser is a failure, not a skip:
 * the console's browser journeys are part of the suite.
 */
export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM_PATH}. The browser tests need the Debian package "chromium": sudo apt-get install -y chromium`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

/**
 * Wall-clock time: a person clicking through the console sees time pass, and the list orders
 * credentials by creation time (a frozen test clock would give them all the same timestamp).
 */
class WallClock extends TestClock {
  override now(): number {
    return Date.now();
  }
}

/** A real listening server on a fresh SQLite database, and its base URL. */
export interface ConsoleServer {
  instance: TestInstance;
  app: App;
  baseUrl: string;
  close(): Promise<void>;
}

export async function startConsoleServer(): Promise<ConsoleServer> {
  const instance = await startTestApp('sqlite', { clock: new WallClock() });
  await instance.app.services.accounts.ensureDefaultAccount(operatorActor);
  await instance.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = instance.app.server.address() as AddressInfo;
  return {
    instance,
    app: instance.app,
    baseUrl: `http://127.0.0.1:${port}`,
    async close() {
      await instance.close();
      await dropTestDatabases();
    },
  };
}

export interface AdminLogin {
  accountId: string;
  email: string;
  password: string;
}

/** The default account's first admin, made the way the operator's CLI makes it. */
export async function createDefaultAccountAdmin(app: App, email: string): Promise<AdminLogin> {
  const { account } = await app.services.accounts.ensureDefaultAccount(operatorActor);
  return createAdmin(app, account.id, email);
}

/** A separate account (tenant) with its own first admin, so tests do not share credentials. */
export async function createAccountWithAdmin(app: App, name: string, email: string): Promise<AdminLogin> {
  const { account } = await app.services.accounts.createAccount(operatorActor, name);
  return createAdmin(app, account.id, email);
}

async function createAdmin(app: App, accountId: string, email: string): Promise<AdminLogin> {
  const password = `correct horse ${email} battery`;
  await app.services.admins.createAdmin(operatorActor(accountId), accountId, { email, password });
  return { accountId, email, password };
}

/** A fresh browser context (no cookies) that may use the clipboard on the server's origin. */
export async function newConsoleContext(browser: Browser, baseUrl: string): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL: baseUrl, locale: 'en-US' });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseUrl });
  // Fail fast and clearly rather than at the test timeout.
  context.setDefaultTimeout(10_000);
  context.setDefaultNavigationTimeout(15_000);
  return context;
}

/** Signs in through the sign-in form, as a person would. */
export async function signIn(page: Page, login: AdminLogin): Promise<void> {
  await page.goto('/console/sign-in');
  await page.getByLabel('Email address').fill(login.email);
  await page.getByLabel('Password').fill(login.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL('**/console/account/integration/connection-api');
}

/** The Customer Connection API's list operation, called as an outside client would (Node's fetch). */
export async function listCustomers(baseUrl: string, authorization: string): Promise<{ status: number; body: unknown; wwwAuthenticate: string | null }> {
  const response = await fetch(`${baseUrl}${SP_MANAGED}`, { headers: { authorization, accept: 'application/json' } });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: keep the text so a failing assertion shows it.
  }
  return { status: response.status, body, wwwAuthenticate: response.headers.get('www-authenticate') };
}

/** The `Cookie` header a browser context would send to the server. */
export async function cookieHeaderOf(context: BrowserContext, baseUrl: string): Promise<string> {
  const cookies = await context.cookies(baseUrl);
  return cookies.map((c) => `${c.name}=${c.value}`).join('; ');
}
