import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { launchChromium, newConsoleContext, startConsoleServer, type ConsoleServer } from './console-browser.js';

/**
 * The hooks every browser test file repeats, registered once here. Call these at the top of a
 * test file: what they start lives for the whole file; browser contexts close after each test so
 * no cookie or page leaks from one test into the next. vitest runs afterAll hooks in reverse order,
 * so calling useConsoleServer() before useChromium() closes the browser before the server.
 */

/** Chromium for the test file, and contexts on it that close after each test. */
export interface ChromiumForFile {
  readonly browser: Browser;
  /** A console context (see newConsoleContext) on this base URL. */
  newContext(baseUrl: string): Promise<BrowserContext>;
  /** Closes a context made with other options after the test as well. */
  closeAfterTest(context: BrowserContext): BrowserContext;
}

export function useChromium(): ChromiumForFile {
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close();
  });
  afterAll(async () => {
    await browser?.close();
  });
  const chromium: ChromiumForFile = {
    get browser() {
      if (!browser) throw new Error('Chromium is launched in beforeAll: use it from a test or a later hook.');
      return browser;
    },
    async newContext(baseUrl) {
      return chromium.closeAfterTest(await newConsoleContext(chromium.browser, baseUrl));
    },
    closeAfterTest(context) {
      contexts.push(context);
      return context;
    },
  };
  return chromium;
}

/** The console server for the test file (see startConsoleServer), read through getters once it has started. */
export function useConsoleServer(): ConsoleServer {
  let server: ConsoleServer | undefined;
  beforeAll(async () => {
    server = await startConsoleServer();
  });
  afterAll(async () => {
    await server?.close();
  });
  const started = (): ConsoleServer => {
    if (!server) throw new Error('The console server starts in beforeAll: use it from a test or a later hook.');
    return server;
  };
  return {
    get instance() {
      return started().instance;
    },
    get app() {
      return started().app;
    },
    get baseUrl() {
      return started().baseUrl;
    },
    close: () => started().close(),
  };
}
