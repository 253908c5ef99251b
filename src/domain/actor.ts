/** Who is making a change: recorded in the audit log and used to scope every query to one account. */
export interface Actor {
  kind: 'admin' | 'api-client' | 'operator';
  /** Admin id, credential client ID, or the operator's OS user for the CLI. */
  id: string;
  /** Human-readable: an email address or a credential's description. */
  label: string;
  accountId: string;
  sourceIp: string;
}
