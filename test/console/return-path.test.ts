import { describe, expect, it } from 'vitest';
import { safeReturnPath, signInUrlReturningTo } from '../../src/http/console/return-path.js';

describe('safeReturnPath', () => {
  it.each([
    '/console',
    '/console/applications',
    '/console/customer-connections?q=acme&application=d16f77f1-ef08-4a43-a76b-cb4f48f5040a',
    '/console/customer-connections/idp/customer001.com',
    '/console/customer-connections/idp/caf%C3%A9.example',
    '/console/account/integration/connection-api?edit=d16f77f1-ef08-4a43-a76b-cb4f48f5040a',
  ])('honours the console page %s', (path) => {
    expect(safeReturnPath(path)).toBe(path);
  });

  it.each([
    ['a protocol-relative URL', '//evil.example/console/'],
    ['a backslash authority', '/\\evil.example'],
    ['a mixed slash authority', '/\\/evil.example'],
    ['a backslash inside the console', '/console\\..\\..\\evil'],
    ['an absolute URL', 'https://evil.example/console/applications'],
    ['an absolute URL on our own scheme', 'http:/console/applications'],
    ['a javascript: URL', 'javascript:alert(1)'],
    ['an encoded protocol-relative URL', '%2F%2Fevil.example'],
    ['encoded slashes after one slash', '/%2F%2Fevil.example'],
    ['encoded slashes inside the console', '/console/%2F%2Fevil.example'],
    ['an encoded backslash', '/%5Cevil.example'],
    ['an encoded backslash inside the console', '/console/%5C%5Cevil.example'],
    ['a doubly encoded slash', '/console/%252F%252Fevil.example'],
    ['a tab that browsers strip', '/\t/evil.example'],
    ['a newline', '/console/\n//evil.example'],
    ['a leading space', ' /console/applications'],
    ['dot segments leaving the console', '/console/../../evil'],
    ['encoded dot segments', '/console/%2e%2e/%2e%2e/evil'],
    ['a path that only starts like the console', '/consolex/applications'],
    ['a page outside the console', '/web-portal/rest/saas/idp/2.0/spManaged'],
    ['the sign-in page itself', '/console/sign-in?next=%2Fconsole'],
    ['the setup page', '/console/setup?token=abc'],
    ['a fragment', '/console/applications#x'],
    ['an empty value', ''],
    ['a value too long to be a page', `/console/${'a'.repeat(2100)}`],
    ['a malformed escape', '/console/%E0%A4%A'],
  ])('refuses %s', (_what, path) => {
    expect(safeReturnPath(path)).toBeUndefined();
  });

  it('refuses what is not a string (a repeated query parameter)', () => {
    expect(safeReturnPath(['/console/applications', '//evil.example'])).toBeUndefined();
    expect(safeReturnPath(undefined)).toBeUndefined();
  });
});

describe('signInUrlReturningTo', () => {
  it('carries the requested console page, encoded', () => {
    expect(signInUrlReturningTo('/console/customer-connections?q=acme')).toBe('/console/sign-in?next=%2Fconsole%2Fcustomer-connections%3Fq%3Dacme');
  });

  it('carries nothing for the console root or a path it would refuse', () => {
    expect(signInUrlReturningTo('/console')).toBe('/console/sign-in');
    expect(signInUrlReturningTo('/console/%2F%2Fevil.example')).toBe('/console/sign-in');
  });
});
