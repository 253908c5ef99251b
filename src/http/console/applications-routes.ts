import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Application } from '../../domain/model.js';
import { CUSTOMER_PAGE_MAX } from '../../domain/connections/customer-service.js';
import { idpMetadataUrl, initSsoUrl } from '../../domain/sso/idp-metadata-service.js';
import { oidcEndpointUrls } from '../../domain/applications/oidc-endpoints.js';
import { AppError, isAppError } from '../../errors.js';
import { MAX_METADATA_BYTES } from '../../saml/idp-metadata.js';
import { parseSpMetadata, SpMetadataError } from '../../saml/sp-metadata-parse.js';
import type { Services } from '../../services.js';
import {
  applicationFieldErrors,
  applicationFormFrom,
  applicationFormOf,
  applicationInputOf,
  emptyApplicationForm,
  fillFromSpMetadata,
  type ApplicationFormValues,
  type ApplicationKind,
} from './application-form.js';
import { adminActor } from './console-session.js';
import { formOf, submitForm } from './forms.js';
import {
  APPLICATIONS_PATH,
  applicationFormPage,
  applicationListPage,
  deleteApplicationPage,
  deleteOidcClientSecretPage,
  oidcClientSecretShownOncePage,
  type ApplicationFormPage,
  type DeveloperFacts,
} from './pages/applications-pages.js';
import { chromeOf, noticeFrom, sendPage, sendSecretPage } from './replies.js';

type SaasidParams = { Params: { saasid: string } };
type SecretParams = { Params: { saasid: string; secretId: string } };
type KindParams = { Params: { kind: string } };

const notices: Record<string, string> = {
  created: 'Application created.',
  updated: 'Application saved.',
  enabled: 'Application enabled.',
  disabled: 'Application disabled.',
  deleted: 'Application deleted.',
  repeated: 'That form was already submitted, so the application was not added again.',
};

/** Notices of an application's own page (its client secrets). */
const applicationPageNotices: Record<string, string> = {
  'secret-deleted': 'Client secret deleted.',
  'secret-repeated': 'That form was already submitted, so no other secret was added. A secret is shown only once.',
};

/** Pasted SP metadata can be up to 1 MiB, and urlencoding can triple XML. */
export const METADATA_FORM_BODY_LIMIT = 3 * MAX_METADATA_BYTES + 64 * 1024;
/** An application form: an encryption certificate (≤ 16 KiB) and up to 50 attribute names, urlencoded. */
const APPLICATION_FORM_BODY_LIMIT = 256 * 1024;

function kindOf(value: string): ApplicationKind {
  if (value === 'saml' || value === 'rest' || value === 'oidc') return value;
  throw new AppError('ROUTE_NOT_FOUND', 'There is no such kind of application. Choose SAML, REST or OIDC.');
}

/** Applications › My Applications: SAML, REST ("other") and OIDC apps, through the application service. */
export function registerApplicationConsoleRoutes(app: FastifyInstance, services: Services, publicUrl: string): void {
  const csrf = { preValidation: app.csrfProtection };
  const accountOf = (request: FastifyRequest) => adminActor(request).accountId;

  /** The application page's developer section: the connected customers and the chosen one's sign-in link. */
  const developerFacts = async (accountId: string, application: Application, requested: string | undefined): Promise<DeveloperFacts> => {
    const listed = await services.customers.listCustomers(accountId, { saasid: application.saasid, limit: CUSTOMER_PAGE_MAX });
    const customers = listed.customers.map((c) => c.idpId);
    let idpid: string | undefined;
    if (requested !== undefined && requested !== '') {
      // Beyond the listed page, a customer is still accepted when it is connected to this application.
      if (customers.includes(requested) || (await isConnected(accountId, requested, application.saasid))) idpid = requested;
      if (idpid !== undefined && !customers.includes(idpid)) customers.push(idpid);
    }
    const applicationCredentials = (await services.credentials.listApplicationCredentials(accountId)).filter((c) => c.applicationId === application.saasid).length;
    return {
      customers,
      moreCustomers: listed.nextCursor !== null,
      idpid,
      notConnected: idpid === undefined && requested ? requested : undefined,
      signInLinkBase: initSsoUrl(publicUrl, application.saasid),
      signInLink: initSsoUrl(publicUrl, application.saasid, idpid),
      tokenExchangeUrl: `${publicUrl}/sso/TXS/2.0/1/`,
      applicationCredentials,
      oidc:
        application.kind === 'oidc'
          ? {
              endpoints: oidcEndpointUrls(publicUrl, application.saasid),
              secrets: await services.oidcClientSecrets.listSecrets(accountId, application.saasid),
              submissionKey: services.formSubmissions.newKey(),
            }
          : undefined,
    };
  };
  const isConnected = async (accountId: string, idpId: string, saasid: string): Promise<boolean> => {
    try {
      return (await services.customers.getCustomer(accountId, idpId)).applications.some((a) => a.saasid === saasid);
    } catch (error) {
      if (isAppError(error) && error.status < 500) return false;
      throw error;
    }
  };

  const renderForm = async (
    request: FastifyRequest,
    reply: FastifyReply,
    page: Omit<ApplicationFormPage, 'signingKeys' | 'submissionKey' | 'idpMetadataUrl' | 'developer'>,
    status = 200,
    requestedIdpId?: string,
  ) => {
    const signingKeys = page.values.kind === 'saml' ? await services.signingKeys.listKeys(accountOf(request)) : [];
    const metadataUrl = page.application?.kind === 'saml' ? idpMetadataUrl(publicUrl, page.application.saasid) : undefined;
    const developer = page.application && (await developerFacts(accountOf(request), page.application, requestedIdpId));
    return sendPage(
      reply,
      applicationFormPage(chromeOf(request, reply), { ...page, signingKeys, idpMetadataUrl: metadataUrl, developer, submissionKey: services.formSubmissions.newKey() }),
      status,
    );
  };

  /**
   * Validates the form and asks the service: the saved application, or the form re-rendered
   * with per-field messages.
   */
  const save = async <T extends Application>(
    request: FastifyRequest,
    reply: FastifyReply,
    values: ApplicationFormValues,
    application: Application | undefined,
    action: (input: Extract<ReturnType<typeof applicationInputOf>, { ok: true }>['input']) => Promise<T>,
  ): Promise<{ saved: T } | { failed: FastifyReply }> => {
    const prepared = applicationInputOf(values);
    if (!prepared.ok) {
      return { failed: await renderForm(request, reply, { application, values, errors: prepared.fields, error: 'The application has invalid fields.' }, 400) };
    }
    const outcome = await submitForm(() => action(prepared.input));
    if (!outcome.ok) {
      return {
        failed: await renderForm(request, reply, { application, values, errors: applicationFieldErrors(outcome.fields, prepared.lines), error: outcome.message }, outcome.status),
      };
    }
    return { saved: outcome.value };
  };

  /** "Fill from metadata": parses the pasted SP metadata and re-renders the form; nothing is saved. */
  const fill = async (request: FastifyRequest, reply: FastifyReply, base: ApplicationFormValues, application: Application | undefined) => {
    const spMetadata = formOf(request).spMetadata ?? '';
    if (spMetadata.trim() === '') {
      return renderForm(request, reply, { application, values: base, errors: { spMetadata: 'paste the metadata XML first' } }, 400);
    }
    try {
      const values = fillFromSpMetadata(base, parseSpMetadata(spMetadata));
      return renderForm(request, reply, { application, values, spMetadata, notice: 'Filled in from the SP metadata. Review the fields, then Save.' });
    } catch (error) {
      if (!(error instanceof SpMetadataError)) throw error;
      return renderForm(request, reply, { application, values: base, spMetadata, errors: { spMetadata: error.message } }, 400);
    }
  };

  app.get<{ Querystring: { notice?: string } }>(APPLICATIONS_PATH, async (request, reply) => {
    const applications = await services.applications.listApplications(accountOf(request));
    return sendPage(reply, applicationListPage(chromeOf(request, reply), { applications, notice: noticeFrom(notices, request.query.notice) }));
  });

  app.get<KindParams>(`${APPLICATIONS_PATH}/new/:kind`, async (request, reply) =>
    renderForm(request, reply, { values: emptyApplicationForm(kindOf(request.params.kind)) }),
  );

  app.post<KindParams>(`${APPLICATIONS_PATH}/new/:kind/metadata`, { ...csrf, bodyLimit: METADATA_FORM_BODY_LIMIT }, async (request, reply) => {
    if (kindOf(request.params.kind) !== 'saml') throw new AppError('ROUTE_NOT_FOUND', 'Only SAML applications have SP metadata.');
    return fill(request, reply, emptyApplicationForm('saml'), undefined);
  });

  app.post<KindParams>(`${APPLICATIONS_PATH}/new/:kind`, { ...csrf, bodyLimit: APPLICATION_FORM_BODY_LIMIT }, async (request, reply) => {
    const kind = kindOf(request.params.kind);
    // A double click or a re-posted form must not add the application twice.
    if (!(await services.formSubmissions.claim(accountOf(request), formOf(request).submissionKey ?? ''))) {
      return reply.redirect(`${APPLICATIONS_PATH}?notice=repeated`, 303);
    }
    const values = applicationFormFrom(kind, formOf(request));
    const result = await save(request, reply, values, undefined, (input) => services.applications.createApplication(adminActor(request), input));
    if ('failed' in result) return result.failed;
    const { firstClientSecret, ...application } = result.saved;
    // An OIDC application's first client secret exists in plaintext only in this answer.
    if (firstClientSecret) {
      return sendSecretPage(reply, oidcClientSecretShownOncePage(chromeOf(request, reply), { application, created: firstClientSecret, newApplication: true }));
    }
    return reply.redirect(`${APPLICATIONS_PATH}?notice=created`, 303);
  });

  app.get<SaasidParams & { Querystring: { idpid?: string; notice?: string } }>(`${APPLICATIONS_PATH}/:saasid`, async (request, reply) => {
    const application = await services.applications.getApplication(accountOf(request), request.params.saasid);
    const idpid = typeof request.query.idpid === 'string' ? request.query.idpid : undefined;
    const notice = noticeFrom(applicationPageNotices, request.query.notice);
    return renderForm(request, reply, { application, values: applicationFormOf(application), notice }, 200, idpid);
  });

  // "Add Secret": the new secret is shown once, on the answer to this post.
  app.post<SaasidParams>(`${APPLICATIONS_PATH}/:saasid/secrets`, csrf, async (request, reply) => {
    const actor = adminActor(request);
    const application = await services.applications.getApplication(actor.accountId, request.params.saasid);
    // Reloading the page that shows the secret re-posts this form: it must not add another.
    if (!(await services.formSubmissions.claim(actor.accountId, formOf(request).submissionKey ?? ''))) {
      return reply.redirect(`${APPLICATIONS_PATH}/${application.saasid}?notice=secret-repeated`, 303);
    }
    const outcome = await submitForm(() => services.oidcClientSecrets.addSecret(actor, application.saasid));
    if (!outcome.ok) return renderForm(request, reply, { application, values: applicationFormOf(application), error: outcome.message }, outcome.status);
    return sendSecretPage(reply, oidcClientSecretShownOncePage(chromeOf(request, reply), { application, created: outcome.value, newApplication: false }));
  });

  app.get<SecretParams>(`${APPLICATIONS_PATH}/:saasid/secrets/:secretId/delete`, async (request, reply) => {
    const accountId = accountOf(request);
    const application = await services.applications.getApplication(accountId, request.params.saasid);
    const secret = (await services.oidcClientSecrets.listSecrets(accountId, application.saasid)).find((s) => s.id === request.params.secretId);
    if (!secret) throw new AppError('OIDC_CLIENT_SECRET_NOT_FOUND', 'This application has no such client secret.');
    return sendPage(reply, deleteOidcClientSecretPage(chromeOf(request, reply), { application, secret }));
  });

  app.post<SecretParams>(`${APPLICATIONS_PATH}/:saasid/secrets/:secretId/delete`, csrf, async (request, reply) => {
    const actor = adminActor(request);
    const application = await services.applications.getApplication(actor.accountId, request.params.saasid);
    const outcome = await submitForm(() => services.oidcClientSecrets.deleteSecret(actor, application.saasid, request.params.secretId));
    if (!outcome.ok) return renderForm(request, reply, { application, values: applicationFormOf(application), error: outcome.message }, outcome.status);
    return reply.redirect(`${APPLICATIONS_PATH}/${application.saasid}?notice=secret-deleted`, 303);
  });

  app.post<SaasidParams>(`${APPLICATIONS_PATH}/:saasid/metadata`, { ...csrf, bodyLimit: METADATA_FORM_BODY_LIMIT }, async (request, reply) => {
    const application = await services.applications.getApplication(accountOf(request), request.params.saasid);
    if (application.kind !== 'saml') throw new AppError('ROUTE_NOT_FOUND', 'Only SAML applications have SP metadata.');
    return fill(request, reply, applicationFormOf(application), application);
  });

  app.post<SaasidParams>(`${APPLICATIONS_PATH}/:saasid`, { ...csrf, bodyLimit: APPLICATION_FORM_BODY_LIMIT }, async (request, reply) => {
    const application = await services.applications.getApplication(accountOf(request), request.params.saasid);
    const values = applicationFormFrom(application.kind, formOf(request));
    const result = await save(request, reply, values, application, (input) => services.applications.updateApplication(adminActor(request), application.saasid, input));
    return 'failed' in result ? result.failed : reply.redirect(`${APPLICATIONS_PATH}?notice=updated`, 303);
  });

  app.post<SaasidParams>(`${APPLICATIONS_PATH}/:saasid/enabled`, csrf, async (request, reply) => {
    const enabled = formOf(request).enabled === 'true';
    await services.applications.setApplicationEnabled(adminActor(request), request.params.saasid, enabled);
    return reply.redirect(`${APPLICATIONS_PATH}?notice=${enabled ? 'enabled' : 'disabled'}`, 303);
  });

  app.get<SaasidParams>(`${APPLICATIONS_PATH}/:saasid/delete`, async (request, reply) => {
    const accountId = accountOf(request);
    const application = await services.applications.getApplication(accountId, request.params.saasid);
    const credentials = (await services.credentials.listApplicationCredentials(accountId)).filter((c) => c.applicationId === application.saasid).length;
    const customers = await services.customers.listCustomers(accountId, { saasid: application.saasid, limit: 200 });
    return sendPage(
      reply,
      deleteApplicationPage(chromeOf(request, reply), { application, credentials, customers: customers.customers.length, moreCustomers: customers.nextCursor !== null }),
    );
  });

  app.post<SaasidParams>(`${APPLICATIONS_PATH}/:saasid/delete`, csrf, async (request, reply) => {
    await services.applications.deleteApplication(adminActor(request), request.params.saasid);
    return reply.redirect(`${APPLICATIONS_PATH}?notice=deleted`, 303);
  });
}
