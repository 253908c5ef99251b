/** Which of our values an IdP's field takes. */
export type OurValue = 'entityId' | 'acsUrl' | 'metadataUrl';

/** How to create the SAML app for us in one IdP, and which of our values goes in which of its fields. */
export interface IdpGuide {
  id: string;
  name: string;
  steps: string[];
  fields: { theirField: string; ourValue: OurValue }[];
  /** Where to find what the portal's "Your identity provider" asks for. */
  metadata: string;
}

/**
 * Short guides for the IdPs customers use most. Data, not pages: the portal renders them with the
 * customer's own values next to each field name.
 */
export const idpGuides: readonly IdpGuide[] = [
  {
    id: 'okta',
    name: 'Okta',
    steps: [
      'Admin Console › Applications › Applications › Create App Integration › SAML 2.0 › Next.',
      'Name the app, then Next; fill the SAML settings as below; Name ID format: EmailAddress; Application username: Email.',
      'Under Attribute Statements add email (user.email) and any other attribute the application needs; Next › Finish.',
      'Assign the app to the people or groups who should sign in.',
    ],
    fields: [
      { theirField: 'Single sign-on URL (Use this for Recipient URL and Destination URL ticked)', ourValue: 'acsUrl' },
      { theirField: 'Audience URI (SP Entity ID)', ourValue: 'entityId' },
    ],
    metadata: 'Sign On tab › SAML 2.0 › Metadata URL (copy it into "Metadata URL" here).',
  },
  {
    id: 'entra',
    name: 'Microsoft Entra ID',
    steps: [
      'Entra admin center › Enterprise applications › New application › Create your own application › "Integrate any other application you don\'t find in the gallery (Non-gallery)".',
      'Single sign-on › SAML › Basic SAML Configuration › Edit; fill as below and Save.',
      'Attributes & Claims: the email claim is sent as http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress; add claims the application needs.',
      'Users and groups: assign who should sign in.',
    ],
    fields: [
      { theirField: 'Identifier (Entity ID)', ourValue: 'entityId' },
      { theirField: 'Reply URL (Assertion Consumer Service URL)', ourValue: 'acsUrl' },
    ],
    metadata: 'SAML Certificates › App Federation Metadata Url (copy it into "Metadata URL" here).',
  },
  {
    id: 'google',
    name: 'Google Workspace',
    steps: [
      'Admin console › Apps › Web and mobile apps › Add app › Add custom SAML app; name it, Continue.',
      'On "Google Identity Provider details" choose Download Metadata (IdP metadata), Continue.',
      'Service provider details: fill as below; Name ID format EMAIL, Name ID Basic Information › Primary email; Continue.',
      'Attribute mapping: map Primary email to email (and other attributes the application needs); Finish; turn the app ON for the right organizational units.',
    ],
    fields: [
      { theirField: 'ACS URL', ourValue: 'acsUrl' },
      { theirField: 'Entity ID', ourValue: 'entityId' },
    ],
    metadata: 'The downloaded GoogleIDPMetadata.xml: upload it under "Metadata XML" here.',
  },
  {
    id: 'adfs',
    name: 'ADFS',
    steps: [
      'AD FS Management › Relying Party Trusts › Add Relying Party Trust › Claims aware › Start.',
      'Choose "Import data about the relying party published online" and give our SP metadata URL (or "from a file" with our downloaded metadata).',
      'Choose an access control policy, Next, Finish.',
      'Edit Claim Issuance Policy › Add Rule › "Send LDAP Attributes as Claims": E-Mail-Addresses → E-Mail Address; add a "Transform an Incoming Claim" rule from E-Mail Address to Name ID (Email).',
    ],
    fields: [{ theirField: 'Federation metadata address (host name or URL)', ourValue: 'metadataUrl' }],
    metadata: 'https://<your ADFS host>/FederationMetadata/2007-06/FederationMetadata.xml (copy it into "Metadata URL" here).',
  },
  {
    id: 'onelogin',
    name: 'OneLogin',
    steps: [
      'Administration › Applications › Applications › Add App; search "SAML Custom Connector (Advanced)" and Save.',
      'Configuration tab: fill as below; SAML nameID format: Email; Save.',
      'Parameters tab: add email (Email) and other attributes the application needs, "Include in SAML assertion" ticked.',
      'Access or Users tab: give the app to the right roles or users.',
    ],
    fields: [
      { theirField: 'Audience (EntityID)', ourValue: 'entityId' },
      { theirField: 'ACS (Consumer) URL', ourValue: 'acsUrl' },
      { theirField: 'Recipient', ourValue: 'acsUrl' },
    ],
    metadata: 'More Actions › SAML Metadata (download, then upload under "Metadata XML" here), or the Issuer URL on the SSO tab as "Metadata URL".',
  },
  {
    id: 'jumpcloud',
    name: 'JumpCloud',
    steps: [
      'Admin Portal › SSO Applications › Add New Application › Custom Application › "Manage Single Sign-On (SSO)" › Configure SSO with SAML.',
      'SSO tab: fill as below; SAMLSubject NameID: email; SAMLSubject NameID Format: urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress.',
      'Attributes: add email (email) and others the application needs; activate, then bind the app to user groups.',
    ],
    fields: [
      { theirField: 'SP Entity ID', ourValue: 'entityId' },
      { theirField: 'ACS URLs (Default URL)', ourValue: 'acsUrl' },
    ],
    metadata: 'SSO tab › Export Metadata (upload it under "Metadata XML" here).',
  },
  {
    id: 'pingfederate',
    name: 'PingFederate',
    steps: [
      'Applications › Integration › SP Connections › Create Connection; Browser SSO profiles, SAML 2.0.',
      'Import Metadata: URL (our SP metadata URL) or File (our downloaded metadata); this fills the Partner\'s Entity ID and ACS.',
      'Browser SSO › SAML Profiles: IdP-Initiated and SP-Initiated SSO; Assertion Creation: map SAML_SUBJECT to the mail attribute and add email.',
      'Protocol Settings: Allowable bindings POST; signature policy "Always sign assertion"; save and activate the connection.',
    ],
    fields: [
      { theirField: 'Partner\'s Entity ID (Connection ID)', ourValue: 'entityId' },
      { theirField: 'Assertion Consumer Service URL (Endpoint URL, binding POST)', ourValue: 'acsUrl' },
    ],
    metadata: 'System › Protocol Metadata › Metadata Export (upload under "Metadata XML" here), or https://<host>:9031/pf/federation_metadata.ping?PartnerSpId=<our entity ID> as "Metadata URL".',
  },
  {
    id: 'keycloak',
    name: 'Keycloak',
    steps: [
      'Your realm › Clients › Create client (or Import client with our SP metadata); Client type SAML.',
      'Fill as below; Name ID format: email; Sign assertions: On.',
      'Client scopes › the client\'s dedicated scope › Add mapper › By configuration › User Property: property email, SAML Attribute Name email.',
    ],
    fields: [
      { theirField: 'Client ID', ourValue: 'entityId' },
      { theirField: 'Valid redirect URIs and Assertion Consumer Service POST Binding URL', ourValue: 'acsUrl' },
    ],
    metadata: 'https://<keycloak host>/realms/<realm>/protocol/saml/descriptor (copy it into "Metadata URL" here).',
  },
];
