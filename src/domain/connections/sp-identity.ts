/**
 * The SP identity ssobridge presents to a customer's IdP. A multiplexed connection uses one
 * identity per account for all apps; a non-multiplexed one an identity per application.
 * These URLs are what the customer's IdP admin configures, so they must never change.
 */
export function spEntityIdFor(publicUrl: string, accountId: string, saasid: string | null): string {
  return saasid === null ? `${publicUrl}/saml/sp/${accountId}` : `${publicUrl}/saml/sp/${accountId}/${saasid}`;
}

/** The ACS URL; a non-multiplexed connection names its app so IdP-initiated logins find it. */
export function acsUrlFor(publicUrl: string, saasid: string | null): string {
  return saasid === null ? `${publicUrl}/sso/sp/ACS.saml2` : `${publicUrl}/sso/sp/ACS.saml2?saasid=${saasid}`;
}
