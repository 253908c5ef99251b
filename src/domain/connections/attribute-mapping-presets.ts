import type { AttributeRule } from './attribute-mapping.js';

/**
 * Attribute-name presets per IdP product: what each sends by default (or what our setup guides
 * tell its admin to configure), mapped to the names apps commonly ask for. Data only; an admin
 * picks one and edits the rows. Sources: each vendor's SAML claim documentation.
 */
export interface AttributeMappingPreset {
  id: string;
  label: string;
  /** Shown under the selector: where these names come from. */
  note: string;
  rules: readonly AttributeRule[];
}

const rules = (pairs: Record<string, string>): AttributeRule[] => Object.entries(pairs).map(([idpAttribute, appAttribute]) => ({ idpAttribute, appAttribute }));

/** WS-Federation claim types (Entra ID and ADFS send these as SAML attribute names). */
const CLAIMS = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims';

export const ATTRIBUTE_MAPPING_PRESETS: readonly AttributeMappingPreset[] = [
  {
    id: 'okta',
    label: 'Okta',
    note: 'Okta sends the names typed in the app\u2019s Attribute Statements; configure email, firstName, lastName and a groups statement.',
    rules: rules({ email: 'email', firstName: 'firstName', lastName: 'lastName', groups: 'groups' }),
  },
  {
    id: 'entra-id',
    label: 'Microsoft Entra ID',
    note: 'Entra ID\u2019s default claims use WS-Federation claim URIs; groups and display name only when added in "Attributes & Claims".',
    rules: rules({
      [`${CLAIMS}/emailaddress`]: 'email',
      [`${CLAIMS}/givenname`]: 'firstName',
      [`${CLAIMS}/surname`]: 'lastName',
      [`${CLAIMS}/name`]: 'username',
      'http://schemas.microsoft.com/identity/claims/displayname': 'displayName',
      'http://schemas.microsoft.com/identity/claims/objectidentifier': 'userId',
      'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups': 'groups',
    }),
  },
  {
    id: 'google-workspace',
    label: 'Google Workspace',
    note: 'Google sends the App attribute names typed under "Attribute mapping"; configure email, firstName, lastName and groups.',
    rules: rules({ email: 'email', firstName: 'firstName', lastName: 'lastName', groups: 'groups' }),
  },
  {
    id: 'adfs',
    label: 'ADFS',
    note: 'ADFS claim rules ("Send LDAP Attributes as Claims") emit WS-Federation claim URIs.',
    rules: rules({
      [`${CLAIMS}/emailaddress`]: 'email',
      [`${CLAIMS}/givenname`]: 'firstName',
      [`${CLAIMS}/surname`]: 'lastName',
      [`${CLAIMS}/upn`]: 'username',
      'http://schemas.xmlsoap.org/claims/CommonName': 'displayName',
      'http://schemas.xmlsoap.org/claims/Group': 'groups',
    }),
  },
  {
    id: 'onelogin',
    label: 'OneLogin',
    note: 'OneLogin\u2019s SAML connectors send User.email, User.FirstName, User.LastName, memberOf and PersonImmutableID.',
    rules: rules({ 'User.email': 'email', 'User.FirstName': 'firstName', 'User.LastName': 'lastName', memberOf: 'groups', PersonImmutableID: 'userId' }),
  },
  {
    id: 'jumpcloud',
    label: 'JumpCloud',
    note: 'JumpCloud sends the Service Provider Attribute Names of "User Attribute Mapping" (its user fields are email, firstname, lastname) and memberOf for groups.',
    rules: rules({ email: 'email', firstname: 'firstName', lastname: 'lastName', memberOf: 'groups' }),
  },
  {
    id: 'pingfederate',
    label: 'PingFederate',
    note: 'PingFederate sends its attribute contract; these are the LDAP names a directory-backed contract commonly uses.',
    rules: rules({ mail: 'email', givenName: 'firstName', sn: 'lastName', memberOf: 'groups' }),
  },
  {
    id: 'keycloak',
    label: 'Keycloak',
    note: 'Keycloak\u2019s built-in X500 mappers send OID names (URI format); add a Role list or Group list mapper for groups.',
    rules: rules({ 'urn:oid:1.2.840.113549.1.9.1': 'email', 'urn:oid:2.5.4.42': 'firstName', 'urn:oid:2.5.4.4': 'lastName', Role: 'roles', groups: 'groups' }),
  },
];

export function attributeMappingPreset(id: string): AttributeMappingPreset | undefined {
  return ATTRIBUTE_MAPPING_PRESETS.find((p) => p.id === id);
}
