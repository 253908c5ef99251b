import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { SsoLogPage } from '../../domain/sso/sso-log.js';
import type { Services } from '../../services.js';
import { adminActor } from './console-session.js';
import { submitForm } from './forms.js';
import { customerPath } from './pages/customer-pages.js';
import { accountSignInLogPage, SIGN_IN_LOG_PATH, type SignInLogFilters } from './pages/sign-in-log-pages.js';
import { chromeOf, sendPage } from './replies.js';

export type SignInLogQuery = { Querystring: Partial<Record<keyof SignInLogFilters, string>> };

const PAGE_SIZE = 50;
const text = (value: unknown) => (typeof value === 'string' ? value.trim() : '');

export function signInLogFiltersOf(request: FastifyRequest<SignInLogQuery>): SignInLogFilters {
  return { saasid: text(request.query.saasid), outcome: text(request.query.outcome), before: text(request.query.before) };
}

/**
 * Reads one page of the sign-in log for these filters. A filter the admin can fix (a garbled
 * cursor or outcome) comes back as a message for the page; an unknown idpId is a 404.
 */
export async function readSignInLog(
  services: Services,
  request: FastifyRequest,
  filters: SignInLogFilters,
  idpId?: string,
): Promise<{ page: SsoLogPage; error?: string; status: number }> {
  const outcome = await submitForm(() =>
    services.ssoLog.list(adminActor(request).accountId, {
      limit: PAGE_SIZE,
      ...(idpId !== undefined && { idpId }),
      ...(filters.saasid && { saasid: filters.saasid }),
      ...(filters.outcome && { outcome: filters.outcome as 'success' | 'failure' }),
      ...(filters.before && { beforeId: filters.before }),
    }),
  );
  if (outcome.ok) return { page: outcome.value, status: 200 };
  const labels: Record<string, string> = { saasid: 'Application', outcome: 'Outcome', beforeId: 'Older events cursor' };
  const problem = Object.entries(outcome.fields).map(([field, message]) => `${labels[field] ?? field}: ${message}`).join('; ');
  return { page: { events: [], nextBeforeId: undefined }, error: problem || outcome.message, status: outcome.status };
}

/** Account › Sign-in log: every login attempt of the account, filterable by application and outcome. */
export function registerSignInLogRoutes(app: FastifyInstance, services: Services): void {
  app.get<SignInLogQuery>(SIGN_IN_LOG_PATH, async (request, reply) => {
    const filters = signInLogFiltersOf(request);
    const [result, applications] = await Promise.all([
      readSignInLog(services, request, filters),
      services.applications.listApplications(adminActor(request).accountId),
    ]);
    return sendPage(
      reply,
      accountSignInLogPage(chromeOf(request, reply), {
        page: result.page,
        filters,
        applications: applications.map((a) => ({ saasid: a.saasid, name: a.name })),
        customerHref: customerPath,
        error: result.error,
      }),
      result.status,
    );
  });
}
