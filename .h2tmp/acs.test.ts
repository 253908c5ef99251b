import { it } from 'vitest';
import { startTestApp } from '../test/helpers/test-app.js';
it('x', async () => {
  const i = await startTestApp('sqlite');
  const res = await i.app.inject({ method: 'POST', url: '/sso/sp/ACS.saml2', remoteAddress: '1.2.3.4', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'SAMLResponse=not-base64!' });
  console.log(res.statusCode, res.body.slice(0, 2000));
  await i.close();
});
