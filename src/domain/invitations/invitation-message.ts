/** What the customer's IT admin receives: by mail through "Send E-Mail", or copied by the provider's admin. */
export interface InvitationMessage {
  subject: string;
  text: string;
}

/**
 * The invitation's text: who invites, to which applications, the setup link and until when it
 * works (in UTC, as the recipient may be anywhere). Plain text, so it reads the same copied.
 */
export function composeInvitationMessage(p: { accountName: string; idpId: string; applicationNames: string[]; url: string; expiresAt: number }): InvitationMessage {
  return {
    subject: `${p.accountName}: connect your identity provider for single sign-on`,
    text: [
      'Hello,',
      '',
      `${p.accountName} invites you to connect your organization's identity provider (customer ID "${p.idpId}") for SAML single sign-on to:`,
      ...p.applicationNames.map((name) => `  - ${name}`),
      '',
      "Open this setup link to enter your identity provider's settings, test a sign-in and activate the connection:",
      '',
      p.url,
      '',
      `The link works until ${new Date(p.expiresAt).toUTCString()}. It is meant for you alone: do not forward it. If it has expired, ask ${p.accountName} for a new one.`,
      '',
    ].join('\n'),
  };
}
