import type { App } from '../../src/app.js';
import type { Actor } from '../../src/domain/actor.js';
import { ConsoleClient } from './console-client.js';
import { operatorActor } from './test-app.js';

const PASSWORD = 'correct horse battery staple';

/** A new account with one admin, signed in to the console through the sign-in form. */
export async function signedInAdmin(app: App, name = 'Acme SaaS'): Promise<{ browser: ConsoleClient; accountId: string; actor: Actor }> {
  const { account } = await app.services.accounts.createAccount(operatorActor, name);
  const email = `admin-${account.id.slice(0, 8)}@example.com`;
  await app.services.admins.createAdmin(operatorActor(account.id), account.id, { email, password: PASSWORD });
  const browser = new ConsoleClient(app);
  const res = await browser.signIn(email, PASSWORD);
  if (res.statusCode !== 303) throw new Error(`sign-in failed: ${res.statusCode}`);
  return { browser, accountId: account.id, actor: operatorActor(account.id) };
}

/** The text of the per-field message with this id (fieldError renders `<p class="field-error" id=…>`). */
export function fieldErrorText(html: string, id: string): string | undefined {
  const match = new RegExp(`<p class="field-error" id="${id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}" role="alert">([^<]*)</p>`).exec(html);
  return match?.[1];
}

/** The value attribute of the input with this id. */
export function inputValue(html: string, id: string): string | undefined {
  const match = new RegExp(`<input id="${id}"[^>]*?value="([^"]*)"`).exec(html);
  return match?.[1];
}

/** The content of the textarea with this id. */
export function textareaValue(html: string, id: string): string | undefined {
  const match = new RegExp(`<textarea id="${id}"[^>]*>([\\s\\S]*?)</textarea>`).exec(html);
  return match?.[1];
}

/** Undoes the template's HTML escaping, for comparing displayed text. */
export function unescapeHtml(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}
