import type { ApplicationKind } from '../../db/schema.js';

const labels: Record<ApplicationKind, string> = { saml: 'SAML', rest: 'REST', oidc: 'OIDC' };

/** How people read an application's kind, in the console and in error messages: "SAML", "REST" or "OIDC". */
export function applicationKindLabel(kind: ApplicationKind): string {
  return labels[kind];
}

/** "a SAML application", "a REST application", "an OIDC application". */
export function applicationKindPhrase(kind: ApplicationKind): string {
  return `${kind === 'oidc' ? 'an' : 'a'} ${labels[kind]} application`;
}
