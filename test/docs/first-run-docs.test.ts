import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ADMIN_CREATE_COMMAND } from '../../src/domain/accounts/admin-service.js';
import { CONNECTION_API_CREDENTIAL_LIMIT_MESSAGE } from '../../src/domain/credentials/credential-service.js';
import { SECURE_URL_RULE } from '../../src/domain/url-rules.js';

/** Markdown as read: emphasis marks gone, line breaks and indentation as single spaces. */
const prose = (file: string) => fs.readFileSync(file, 'utf8').replace(/[*_]/g, '').replace(/\s+/g, ' ');

describe('the docs say what the product says', () => {
  it('words the URL rule of applications exactly as the form does', () => {
    expect(prose('docs/sso.md')).toContain(`must be ${SECURE_URL_RULE}`);
  });

  it('documents why the Error URL is required', () => {
    expect(prose('docs/sso.md')).toMatch(/\| Error URL \| REST \| A failed sign-in goes back to your application/);
  });

  it('quotes the Connection API credential limit as the console and the API word it', () => {
    expect(prose('docs/credentials.md')).toContain(CONNECTION_API_CREDENTIAL_LIMIT_MESSAGE);
  });

  it('tells the operator how setup links behave and what to run once they are void', () => {
    expect(prose('README.md')).toContain(ADMIN_CREATE_COMMAND);
    expect(prose('docs/operations.md')).toContain('Links printed earlier, by this instance or another, stay valid for their 24 hours');
    expect(prose('docs/limits.md')).toContain("all of an account's links are void once its first admin exists");
  });
});
