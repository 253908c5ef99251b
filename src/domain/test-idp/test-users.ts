import type { TestUserAttributes } from '../../db/repositories/test-idp-repository.js';
import { validationError, type FieldError } from '../../errors.js';

/** The test IdP's users, as PingOne's: `test` and `testuser1` to `testuser7`. */
export const TEST_USER_NAMES = ['test', ...Array.from({ length: 7 }, (_, i) => `testuser${i + 1}`)] as const;

/** Their mail domain: reserved for examples (RFC 2606), so no real mailbox is ever named. */
export const TEST_USER_DOMAIN = 'example.com';

export const MAX_ATTRIBUTES_PER_USER = 20;
const MAX_NAME_LENGTH = 256;
const MAX_VALUE_LENGTH = 1024;

export interface TestUser {
  name: string;
  /** The NameID and the `email` attribute. */
  address: string;
  /** The configured attributes, `email` first unless configured otherwise. */
  attributes: Record<string, string>;
}

export const isTestUserName = (name: string): boolean => (TEST_USER_NAMES as readonly string[]).includes(name);

export function testUsersOf(configured: TestUserAttributes): TestUser[] {
  return TEST_USER_NAMES.map((name) => {
    const address = `${name}@${TEST_USER_DOMAIN}`;
    return { name, address, attributes: { email: address, ...configured[name] } };
  });
}

/** One user's `name=value` rows (one per line) as the console's textarea sends them. */
export function parseAttributeRows(user: string, text: string): { attributes: Record<string, string>; errors: FieldError[] } {
  const attributes: Record<string, string> = {};
  const errors: FieldError[] = [];
  const lines = text.split(/\r?\n/).map((l, i) => ({ line: i + 1, text: l.trim() })).filter((l) => l.text !== '');
  for (const { line, text: row } of lines) {
    const at = row.indexOf('=');
    const name = at > 0 ? row.slice(0, at).trim() : '';
    const value = at > 0 ? row.slice(at + 1).trim() : '';
    if (!name) errors.push({ field: user, message: `line ${line}: write name=value` });
    else if (name.length > MAX_NAME_LENGTH || value.length > MAX_VALUE_LENGTH) errors.push({ field: user, message: `line ${line}: a name has at most ${MAX_NAME_LENGTH} characters, a value ${MAX_VALUE_LENGTH}` });
    else if (Object.hasOwn(attributes, name)) errors.push({ field: user, message: `line ${line}: ${name} is given twice` });
    else attributes[name] = value;
  }
  if (Object.keys(attributes).length > MAX_ATTRIBUTES_PER_USER) errors.push({ field: user, message: `at most ${MAX_ATTRIBUTES_PER_USER} attributes` });
  return { attributes, errors };
}

/** Every user's rows at once; throws VALIDATION_FAILED naming each user whose rows are wrong. */
export function parseAllAttributeRows(rowsByUser: Record<string, string>): TestUserAttributes {
  const out: TestUserAttributes = {};
  const errors: FieldError[] = [];
  for (const name of TEST_USER_NAMES) {
    const parsed = parseAttributeRows(name, rowsByUser[name] ?? '');
    out[name] = parsed.attributes;
    errors.push(...parsed.errors);
  }
  if (errors.length > 0) throw validationError(errors, 'The attributes were not saved. Correct the rows below.');
  return out;
}

/** The rows a textarea shows for one user's configured attributes. */
export function attributeRowsOf(attributes: Record<string, string> | undefined): string {
  return Object.entries(attributes ?? {})
    .map(([name, value]) => `${name}=${value}`)
    .join('\n');
}
