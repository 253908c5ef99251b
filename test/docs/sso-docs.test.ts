import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { acsSteps } from '../../src/domain/sso/acs-flow.js';
import { initSsoSteps, oidcSignInSteps } from '../../src/domain/sso/initsso-flow.js';
import { ssoReasonDescriptions, SSO_SUCCESS_REASON } from '../../src/domain/sso/sso-reasons.js';
import { tokenExchangeSteps } from '../../src/domain/sso/token-exchange-flow.js';

describe('docs/sso.md', () => {
  const markdown = fs.readFileSync('docs/sso.md', 'utf8');

  it('explains every reason a sign-in can fail with', () => {
    const reasons = Object.keys(ssoReasonDescriptions).filter((r) => r !== SSO_SUCCESS_REASON);
    expect(reasons.filter((reason) => !markdown.includes(`\`${reason}\``))).toEqual([]);
  });

  it('names no reason the server does not have', () => {
    const known = new Set([...Object.keys(ssoReasonDescriptions), 'TOKEN_NOT_FOUND', 'APPLICATION_NOT_FOUND', 'CUSTOMER_NOT_FOUND', 'TOO_MANY_REQUESTS']);
    const mentioned = [...markdown.matchAll(/`([A-Z][A-Z_]{3,})`/g)].map((m) => m[1]!);
    expect(mentioned.filter((code) => !known.has(code) && !['SHARED_IDP_ENTITY_ID', 'PUBLIC_URL', 'SSO_REQUESTS_PER_MINUTE', 'SSO_REQUESTS_BURST', 'TRUST_PROXY'].includes(code))).toEqual([]);
  });

  it('lists the steps of each flow in the order the runtime runs them', () => {
    const flows = { initsso: initSsoSteps, ACS: acsSteps, 'token exchange': tokenExchangeSteps, 'OIDC sign-in': oidcSignInSteps };
    for (const [flow, steps] of Object.entries(flows)) {
      const line = `- **${flow}**: ${steps.map((step) => `\`${step.name}\``).join(' → ')}`;
      expect(markdown, `docs/sso.md should list the ${flow} steps as:\n${line}`).toContain(line);
    }
  });

  it('is linked from the README', () => {
    expect(fs.readFileSync('README.md', 'utf8')).toContain('[docs/sso.md](docs/sso.md)');
  });
});
