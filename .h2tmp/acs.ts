import { startTestApp } from '../test/helpers/test-app.js';
const i = await startTestApp('sqlite');
const res = await i.app.inject({ method: 'POST', url: '/sso/sp/ACS.saml2', remoteAddress: '1.2.3.4', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'SAMLResponse=not-base64!' });
console.log(res.statusCode, res.body.replace(/\s+/g, ' ').slice(0, 1500));
await i.close();
