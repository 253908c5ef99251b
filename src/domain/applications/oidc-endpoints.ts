/**
 * Where an OIDC application finds us, on PingOne's paths: the issuer is the URL prefix that
 * discovery hangs off (OpenID Connect Discovery 1.0 §4), one per application (client_id = saasid);
 * the protocol endpoints are shared by every application, and userinfo and logout sit under the
 * issuer, where the access token's own application answers for it.
 */
export const OIDC_ENDPOINT_PATHS = {
  authorization: '/sso/as/authorization.oauth2',
  token: '/sso/as/token.oauth2',
  introspection: '/sso/as/introspect.oauth2',
  revocation: '/sso/as/revoke_token.oauth2',
  jwks: '/sso/as/jwks',
} as const;

/** Paths under one client's issuer. */
export const oidcClientPaths = (clientId: string) => ({
  discovery: `/${clientId}/.well-known/openid-configuration`,
  userinfo: `/${clientId}/userinfo`,
  endSession: `/${clientId}/session/end`,
});

export interface OidcEndpointUrls {
  issuer: string;
  discovery: string;
  authorization: string;
  token: string;
  introspection: string;
  jwks: string;
}

export function oidcEndpointUrls(publicUrl: string, saasid: string): OidcEndpointUrls {
  return {
    issuer: `${publicUrl}/${saasid}`,
    discovery: `${publicUrl}${oidcClientPaths(saasid).discovery}`,
    authorization: `${publicUrl}${OIDC_ENDPOINT_PATHS.authorization}`,
    token: `${publicUrl}${OIDC_ENDPOINT_PATHS.token}`,
    introspection: `${publicUrl}${OIDC_ENDPOINT_PATHS.introspection}`,
    jwks: `${publicUrl}${OIDC_ENDPOINT_PATHS.jwks}`,
  };
}
