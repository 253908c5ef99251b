import { describe, expect, it } from 'vitest';
import { parseBasicAuthorization } from '../../src/domain/credentials/basic-authorization.js';

const basic = (s: string) => `Basic ${Buffer.from(s, 'utf8').toString('base64')}`;

describe('parseBasicAuthorization', () => {
  it('splits at the first colon, so the secret may contain colons (RFC 7617 §2)', () => {
    expect(parseBasicAuthorization(basic('id:a:b:c'))).toEqual({ ok: true, candidates: [{ clientId: 'id', secret: 'a:b:c' }] });
  });

  it('accepts any case of the scheme name', () => {
    expect(parseBasicAuthorization(`bAsIc ${Buffer.from('id:secret').toString('base64')}`)).toMatchObject({ ok: true });
  });

  it('offers the form-decoded pair second when it differs (RFC 6749 §2.3.1)', () => {
    expect(parseBasicAuthorization(basic('my%20id:p%25w+d'))).toEqual({
      ok: true,
      candidates: [
        { clientId: 'my%20id', secret: 'p%25w+d' },
        { clientId: 'my id', secret: 'p%w d' },
      ],
    });
  });

  it('keeps only the raw pair when form-decoding is impossible', () => {
    expect(parseBasicAuthorization(basic('id:100%'))).toEqual({ ok: true, candidates: [{ clientId: 'id', secret: '100%' }] });
  });

  it('decodes UTF-8', () => {
    expect(parseBasicAuthorization(basic('id:pässwörd'))).toMatchObject({ candidates: [{ secret: 'pässwörd' }] });
  });

  it.each([
    ['missing', undefined, 'missing'],
    ['empty', '', 'missing'],
    ['another scheme', 'Bearer x', 'not_basic'],
    ['no token', 'Basic ', 'malformed'],
    ['bad padding', 'Basic YWJj=', 'malformed'],
    ['no colon', basic('abc'), 'malformed'],
    ['no client ID', basic(':s'), 'malformed'],
    ['no secret', basic('id:'), 'malformed'],
    ['NUL inside', basic('id:a\u0000b'), 'malformed'],
    ['too long', `Basic ${'QUFB'.repeat(1000)}`, 'malformed'],
  ])('refuses %s', (_name, header, reason) => {
    expect(parseBasicAuthorization(header)).toEqual({ ok: false, reason });
  });
});
