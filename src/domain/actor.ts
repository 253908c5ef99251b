/** Who is making a change: recorded in the audit log and used to scope every query to one account. */
export interface Actor {
  /** `customer-admin`: a customer's IT admin acting through a setup link (the self-service portal). */
  kind: 'admin' | 'api-client' | 'operator' | 'customer-admin';
  /** Admin id, credential client ID, setup link id, or the operator's OS user for the CLI. */
  id: string;
  /** Human-readable: an email address or a credential's description. */
  label: string;
  accountId: string;
  sourceIp: string;
}
