import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../clock.js';
import { AppError } from '../../errors.js';
import type { Services } from '../../services.js';
import { adminActor } from './console-session.js';
import { submitForm } from './forms.js';
import { deleteRenewalConfirmPage, promoteConfirmPage, SIGNING_KEYS_PATH, signingKeysListPage } from './pages/signing-keys-pages.js';
import { chromeOf, noticeFrom, sendPage } from './replies.js';

const notices: Record<string, string> = {
  added: 'Renewal key added. It is now published in the SP metadata next to the active key.',
  promoted: 'Renewal key promoted. It now signs; the previous key is retired.',
  deleted: 'Renewal key deleted.',
};

/** Account › Signing keys: the account's SAML signing keys and their renewal. */
export function registerSigningKeyRoutes(app: FastifyInstance, services: Services, clock: Clock): void {
  const csrf = { preValidation: app.csrfProtection };
  const accountOf = (request: FastifyRequest) => adminActor(request).accountId;
  const renewalOf = async (accountId: string) => {
    const keys = await services.signingKeys.listKeys(accountId);
    const renewal = keys.find((k) => k.status === 'next');
    if (!renewal) throw new AppError('SIGNING_KEY_NOT_FOUND', 'There is no renewal key. Add one first.');
    return { keys, renewal };
  };
  const listWithError = async (request: FastifyRequest, reply: FastifyReply, error: string, status: number) => {
    const keys = await services.signingKeys.listKeys(accountOf(request));
    return sendPage(reply, signingKeysListPage(chromeOf(request, reply), { keys, now: clock.now(), error }), status);
  };

  app.get<{ Querystring: { notice?: string } }>(SIGNING_KEYS_PATH, async (request, reply) => {
    const keys = await services.signingKeys.listKeys(accountOf(request));
    return sendPage(reply, signingKeysListPage(chromeOf(request, reply), { keys, now: clock.now(), notice: noticeFrom(notices, request.query.notice) }));
  });

  app.post(`${SIGNING_KEYS_PATH}/renewal`, csrf, async (request, reply) => {
    const outcome = await submitForm(() => services.signingKeys.addRenewalKey(adminActor(request)));
    if (!outcome.ok) return listWithError(request, reply, outcome.message, outcome.status);
    return reply.redirect(`${SIGNING_KEYS_PATH}?notice=added`, 303);
  });

  app.get(`${SIGNING_KEYS_PATH}/promote`, async (request, reply) => {
    const { keys, renewal } = await renewalOf(accountOf(request));
    return sendPage(reply, promoteConfirmPage(chromeOf(request, reply), { active: keys.find((k) => k.status === 'active'), renewal }));
  });

  app.post(`${SIGNING_KEYS_PATH}/promote`, csrf, async (request, reply) => {
    await services.signingKeys.promoteRenewalKey(adminActor(request));
    return reply.redirect(`${SIGNING_KEYS_PATH}?notice=promoted`, 303);
  });

  app.get<{ Params: { id: string } }>(`${SIGNING_KEYS_PATH}/:id/delete`, async (request, reply) => {
    const { renewal } = await renewalOf(accountOf(request));
    if (renewal.id !== request.params.id) throw new AppError('SIGNING_KEY_NOT_FOUND', 'No renewal key with this id. Only a renewal key can be deleted.');
    return sendPage(reply, deleteRenewalConfirmPage(chromeOf(request, reply), renewal));
  });

  app.post<{ Params: { id: string } }>(`${SIGNING_KEYS_PATH}/:id/delete`, csrf, async (request, reply) => {
    await services.signingKeys.deleteRenewalKey(adminActor(request), request.params.id);
    return reply.redirect(`${SIGNING_KEYS_PATH}?notice=deleted`, 303);
  });
}
