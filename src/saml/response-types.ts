/** What the response must match: everything comes from our own configuration, never from the message. */
export interface ResponseExpectations {
  /** ACS URLs this response may be addressed to (Destination and Recipient). */
  acsUrls: readonly string[];
  /** Our SP entity ID for this connection (the Audience). */
  audience: string;
  idpEntityId: string;
  /** The verification certificates pinned on the connection; KeyInfo in the message is ignored. */
  idpCertificatesPem: readonly string[];
  /** The ID of our AuthnRequest (SP-initiated), or null for an IdP-initiated (unsolicited) login. */
  inResponseTo: string | null;
  now: number;
  clockSkewMs: number;
}

export interface ValidatedAssertion {
  assertionId: string;
  issuer: string;
  nameId: string;
  nameIdFormat: string | null;
  sessionIndex: string | null;
  authnInstant: string;
  authnContextClassRef: string | null;
  attributes: Record<string, string[]>;
  /** Until when the assertion could be presented: the replay cache keeps its ID that long. */
  expiresAt: number;
}
