import { AppError } from '../../errors.js';
import type { Principal } from '../credentials/verified-credential-cache.js';
import { ONE_TIME_TOKEN, sha256 } from './deliveries.js';
import { established, type SsoRuntime, type Step } from './sso-pipeline.js';
import type { TokenAttributes, TokenOwner } from './sso-store.js';

/** `GET /sso/TXS/2.0/{1|2}/{tokenid}`: one exchange per token, within 5 minutes, by its own app. */
export const tokenExchangeSteps: readonly Step<TokenExchangeContext>[] = [checkTokenForm, checkOwner, consume];

export interface TokenExchangeContext {
  readonly runtime: SsoRuntime;
  readonly principal: Principal;
  readonly tokenId: string;
  owner?: TokenOwner;
  outcome?: TokenAttributes;
}

/** One answer for every refusal, so a caller cannot tell an unknown token from another app's. */
const notFound = () => new AppError('TOKEN_NOT_FOUND', 'No such token: it is unknown, expired, already used, or for another application.');

function checkTokenForm(context: TokenExchangeContext): void {
  if (!ONE_TIME_TOKEN.test(context.tokenId)) throw notFound();
}

/** An application credential exchanges its own app's tokens; a global credential any of its account's. */
function checkOwner(context: TokenExchangeContext): void {
  const { principal } = context;
  if (principal.kind === 'application' && principal.applicationId !== null) context.owner = { kind: 'application', applicationId: principal.applicationId };
  else if (principal.kind === 'global') context.owner = { kind: 'account', accountId: principal.accountId };
  else throw notFound();
}

/** One statement: of two exchanges of one token, only one gets its attributes. */
async function consume(context: TokenExchangeContext): Promise<void> {
  const { runtime } = context;
  context.outcome = await runtime.store.consumeToken(sha256(context.tokenId), established(context.owner, 'the owner'), runtime.clock.now());
  if (!context.outcome) throw notFound();
}
