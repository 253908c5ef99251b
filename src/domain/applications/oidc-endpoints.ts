/**
 * Where an OIDC application finds us, on PingOne's paths: the issuer is the URL prefix that
 * discovery hangs off (OpenID Connect Discovery 1.0 §4), one per application (client_id = saasid);
 * the protocol endpoints are shared by every application.
 */
export const OIDC_ENDPOINT_PATHS = {
  authorization: '/sso/as/authorization.oauth2',
  token: '/sso/as/token.oauth2',
  introspection: '/sso/as/introspect.oauth2',
  jwks: '/sso/as/jwks',
} as const;

export interface OidcEndpointUrls {
  issuer: string;
  discovery: string;
  authorization: string;
  token: string;
  introspection: string;
  jwks: string;
}

export function oidcEndpointUrls(publicUrl: string, saasid: string): OidcEndpointUrls {
  const issuer = `${publicUrl}/${saasid}`;
  return {
    issuer,
    discovery: `${issuer}/.well-known/openid-configuration`,
    authorization: `${publicUrl}${OIDC_ENDPOINT_PATHS.authorization}`,
    token: `${publicUrl}${OIDC_ENDPOINT_PATHS.token}`,
    introspection: `${publicUrl}${OIDC_ENDPOINT_PATHS.introspection}`,
    jwks: `${publicUrl}${OIDC_ENDPOINT_PATHS.jwks}`,
  };
}
