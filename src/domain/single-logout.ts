/**
 * Single logout is not implemented yet. Its settings (a customer's `sloUrl`, `sloResponseUrl`,
 * `sloBinding`; a SAML application's SLO endpoint) are accepted and stored so that connections need
 * no change once it is. Worded once, for the API description, the console and the docs (a docs
 * test checks every place that mentions single logout says it).
 */
export const SINGLE_LOGOUT_NOT_YET = 'Stored for a later release: ssobridge does not perform single logout yet.';
