/**
 * The key-encryption key tests run with (production has no default: docs/operations.md). One
 * value for every test, so a server process and a test's own services open each other's values.
 */
export const TEST_KEY_ENCRYPTION_KEY = Buffer.alloc(32, 7).toString('base64');

/** What a PostgreSQL server process needs besides its DATABASE_URL (SQLite generates its own key). */
export function withTestKeyEncryptionKey(env: Record<string, string>): Record<string, string> {
  const configured = env.KEY_ENCRYPTION_KEY !== undefined || env.KEY_ENCRYPTION_KEY_FILE !== undefined;
  return env.DATABASE_URL && !configured ? { KEY_ENCRYPTION_KEY: TEST_KEY_ENCRYPTION_KEY, ...env } : env;
}
