import { z } from 'zod';

const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'];

/** What secureUrlSchema accepts, worded once for its error message, the console's hints and the docs. */
export const SECURE_URL_RULE = `an https:// URL (http:// is accepted only for ${LOOPBACK_HOSTS.slice(0, -1).join(', ')} and ${LOOPBACK_HOSTS.at(-1)})`;

/**
 * An absolute https URL. Plain http is accepted only for loopback hosts, which never cross a
 * network (local development and tests), as Auth0 and Okta allow for localhost callbacks.
 */
export const secureUrlSchema = z
  .string({ error: 'must be a string' })
  .max(2048, 'must be at most 2048 characters long')
  .refine((value) => {
    try {
      const url = new URL(value);
      return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.includes(url.hostname));
    } catch {
      return false;
    }
  }, `must be ${SECURE_URL_RULE}`)
  .refine((value) => {
    try {
      const url = new URL(value);
      return url.username === '' && url.password === '';
    } catch {
      return true;
    }
  }, 'must not contain a user name or password');

/** A host name (`app.example.com`) or a domain with a leading dot (`.example.com`, any sub-domain). */
export const hostnameRuleSchema = z
  .string({ error: 'must be a string' })
  .toLowerCase()
  .regex(/^\.?(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*(:\d{1,5})?$/, 'must be a host name such as app.example.com, or .example.com for any sub-domain');

/** Does `url`'s host satisfy a Hostname/Domain rule? Exact host, or any sub-domain of a `.domain` rule. */
export function hostMatchesRule(url: string, rule: string): boolean {
  let host: string;
  try {
    host = new URL(url).host.toLowerCase();
  } catch {
    return false;
  }
  if (rule.startsWith('.')) return host.endsWith(rule) || host === rule.slice(1);
  return host === rule;
}

export const emailDomainSchema = z
  .string({ error: 'must be a string' })
  .toLowerCase()
  .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/, 'must be a domain name such as customer.com');
