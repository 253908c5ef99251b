import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../clock.js';
import type { Application, CustomerView } from '../../domain/model.js';
import { AppError, isAppError } from '../../errors.js';
import type { Services } from '../../services.js';
import { METADATA_FORM_BODY_LIMIT } from './applications-routes.js';
import { adminActor } from './console-session.js';
import { customerFieldErrors, customerFormFrom, customerFormOf, customerInputOf, emptyCustomerForm, type CustomerFormValues } from './customer-form.js';
import { FILL_PRESET_BUTTON, withPresetRows } from '../views/attribute-mapping-form.js';
import { formOf, formValues, submitForm } from './forms.js';
import {
  customerDetailPage,
  customerFormPage,
  customerListPage,
  customerPath,
  customerSignInLogPage,
  CUSTOMERS_PATH,
  deleteCustomerPage,
  idpConfigurationPage,
  removeConnectionPage,
  type CustomerListFilters,
} from './pages/customer-pages.js';
import { chromeOf, noticeFrom, sendPage } from './replies.js';
import { readSignInLog, signInLogFiltersOf, type SignInLogQuery } from './sign-in-log-routes.js';

type IdpParams = { Params: { idpId: string } };
type ConnectionParams = { Params: { idpId: string; saasid: string } };
type ListQuery = { Querystring: Partial<Record<keyof CustomerListFilters | 'notice', string>> };

const PAGE_SIZE = 25;

const listNotices: Record<string, string> = { deleted: 'Customer connection deleted.' };
const detailNotices: Record<string, string> = {
  created: 'Customer connection created.',
  saved: 'Customer connection saved.',
  removed: 'Application connection removed.',
  default: "Default IdP updated.",
};

const text = (value: unknown) => (typeof value === 'string' ? value : '');

/**
 * Customer Connections: the customers' IdPs and their app connections, through the same
 * customer service as the Customer Connection API.
 */
export function registerCustomerConnectionRoutes(app: FastifyInstance, services: Services, clock: Clock): void {
  const csrf = { preValidation: app.csrfProtection };
  const accountOf = (request: FastifyRequest) => adminActor(request).accountId;
  const applicationsOf = (request: FastifyRequest) => services.applications.listApplications(accountOf(request));

  const renderForm = (
    request: FastifyRequest,
    reply: FastifyReply,
    p: { customer?: CustomerView; values: CustomerFormValues; applications: Application[]; errors?: Record<string, string>; error?: string },
    status = 200,
  ) => sendPage(reply, customerFormPage(chromeOf(request, reply), p), status);

  /**
   * Saves the form with one putCustomer: the ticked applications become exactly the customer's
   * connections; adding never replaces an existing customer (the service refuses it atomically).
   */
  const save = async (request: FastifyRequest, reply: FastifyReply, values: CustomerFormValues, applications: Application[], current: CustomerView | undefined) => {
    // "Fill rows from preset" re-renders the form with the preset's rows; nothing is saved.
    if (formOf(request)[FILL_PRESET_BUTTON] === 'true') return renderForm(request, reply, { customer: current, values: withPresetRows(values), applications });
    const prepared = customerInputOf(values);
    const outcome = await submitForm(() =>
      services.customers.putCustomer(adminActor(request), values.idpId, { ...prepared.input, removeUnlistedApplications: true }, { createOnly: current === undefined }),
    );
    if (!outcome.ok) {
      const exists = outcome.code === 'CUSTOMER_EXISTS';
      const errors = exists ? { idpId: 'is already used by another customer connection; edit that one instead' } : customerFieldErrors(outcome.fields, prepared);
      return renderForm(request, reply, { customer: current, values, applications, errors, error: outcome.message }, outcome.status);
    }
    return reply.redirect(`${customerPath(values.idpId)}?notice=${current ? 'saved' : 'created'}`, 303);
  };

  const valuesFrom = (request: FastifyRequest, applications: Application[], idpId: string) =>
    customerFormFrom(
      formOf(request),
      { connect: formValues(request, 'connect'), multiplexed: formValues(request, 'multiplexed'), mapIdp: formValues(request, 'mapIdp'), mapApp: formValues(request, 'mapApp') },
      applications,
      idpId,
    );

  /**
   * Customers invited by a setup link whose IdP is not saved yet: on the first page, unless the
   * filters ask for enabled customers or one application's (an invited customer has neither).
   */
  const invitedCustomersFor = async (request: FastifyRequest, filters: CustomerListFilters) => {
    if (filters.cursor !== '' || filters.saasid !== '' || filters.enabled === 'true') return [];
    const q = filters.q.toLowerCase();
    return (await services.setupLinks.listInvitedCustomers(accountOf(request))).filter((i) => i.idpId.toLowerCase().includes(q));
  };

  app.get<ListQuery>(CUSTOMERS_PATH, async (request, reply) => {
    const filters: CustomerListFilters = { q: text(request.query.q).trim(), saasid: text(request.query.saasid), enabled: text(request.query.enabled), cursor: text(request.query.cursor) };
    const applications = await applicationsOf(request);
    const outcome = await submitForm(() =>
      services.customers.listCustomers(accountOf(request), {
        limit: PAGE_SIZE,
        ...(filters.q && { q: filters.q }),
        ...(filters.saasid && { saasid: filters.saasid }),
        ...(filters.enabled && { enabled: filters.enabled as 'true' | 'false' }),
        ...(filters.cursor && { cursor: filters.cursor }),
      }),
    );
    const chrome = chromeOf(request, reply);
    if (!outcome.ok) {
      const problem = Object.entries(outcome.fields).map(([field, message]) => `${field === 'q' ? 'Search' : field}: ${message}`).join('; ');
      return sendPage(reply, customerListPage(chrome, { customers: [], nextCursor: null, applications, filters, error: problem || outcome.message }), outcome.status);
    }
    const testIdpId = await services.testIdp.testIdpIdOf(accountOf(request));
    const invited = await invitedCustomersFor(request, filters);
    // The list itself reads no IdP settings; the page's customers come from the view cache.
    // One deleted meanwhile is simply shown without them.
    const views = await Promise.all(
      outcome.value.customers.map((c) =>
        services.customers.getCustomer(accountOf(request), c.idpId).catch((error: unknown) => {
          if (isAppError(error) && error.code === 'CUSTOMER_NOT_FOUND') return undefined;
          throw error;
        }),
      ),
    );
    const certificates = { byIdpId: new Map(views.flatMap((v) => (v ? [[v.idpId, v.certificates] as const] : []))), now: clock.now() };
    return sendPage(reply, customerListPage(chrome, { ...outcome.value, applications, filters, notice: noticeFrom(listNotices, request.query.notice), testIdpId, certificates, invited }));
  });

  app.get(`${CUSTOMERS_PATH}/new`, async (request, reply) => {
    const applications = await applicationsOf(request);
    return renderForm(request, reply, { values: emptyCustomerForm(applications), applications });
  });

  app.post(`${CUSTOMERS_PATH}/new`, { ...csrf, bodyLimit: METADATA_FORM_BODY_LIMIT }, async (request, reply) => {
    const applications = await applicationsOf(request);
    const values = valuesFrom(request, applications, formOf(request).idpId ?? '');
    return save(request, reply, values, applications, undefined);
  });

  app.get<IdpParams & { Querystring: { notice?: string } }>(`${CUSTOMERS_PATH}/idp/:idpId`, async (request, reply) => {
    const customer = await services.customers.getCustomer(accountOf(request), request.params.idpId);
    const activationRequest = customer.enabled ? undefined : await services.setupLinks.activationRequestOf(accountOf(request), customer.idpId);
    return sendPage(
      reply,
      customerDetailPage(chromeOf(request, reply), { customer, now: clock.now(), notice: noticeFrom(detailNotices, request.query.notice), activationRequestedAt: activationRequest?.at }),
    );
  });

  app.post<IdpParams>(`${CUSTOMERS_PATH}/idp/:idpId/default`, csrf, async (request, reply) => {
    await services.customers.setDefaultIdp(adminActor(request), request.params.idpId, formOf(request).isDefault === 'true');
    return reply.redirect(`${customerPath(request.params.idpId)}?notice=default`, 303);
  });

  app.get<IdpParams & SignInLogQuery>(`${CUSTOMERS_PATH}/idp/:idpId/sign-in-log`, async (request, reply) => {
    const customer = await services.customers.getCustomer(accountOf(request), request.params.idpId);
    const filters = signInLogFiltersOf(request);
    const result = await readSignInLog(services, request, filters, customer.idpId);
    return sendPage(reply, customerSignInLogPage(chromeOf(request, reply), { customer, page: result.page, filters, error: result.error }), result.status);
  });

  app.get<IdpParams>(`${CUSTOMERS_PATH}/idp/:idpId/edit`, async (request, reply) => {
    const [customer, applications] = await Promise.all([services.customers.getCustomer(accountOf(request), request.params.idpId), applicationsOf(request)]);
    return renderForm(request, reply, { customer, values: customerFormOf(customer, applications), applications });
  });

  app.post<IdpParams>(`${CUSTOMERS_PATH}/idp/:idpId/edit`, { ...csrf, bodyLimit: METADATA_FORM_BODY_LIMIT }, async (request, reply) => {
    // Editing a customer that was deleted meanwhile must not re-create it.
    const [customer, applications] = await Promise.all([services.customers.getCustomer(accountOf(request), request.params.idpId), applicationsOf(request)]);
    return save(request, reply, valuesFrom(request, applications, customer.idpId), applications, customer);
  });

  app.get<IdpParams>(`${CUSTOMERS_PATH}/idp/:idpId/delete`, async (request, reply) => {
    const customer = await services.customers.getCustomer(accountOf(request), request.params.idpId);
    return sendPage(reply, deleteCustomerPage(chromeOf(request, reply), customer));
  });

  app.post<IdpParams>(`${CUSTOMERS_PATH}/idp/:idpId/delete`, csrf, async (request, reply) => {
    await services.customers.deleteCustomer(adminActor(request), request.params.idpId);
    return reply.redirect(`${CUSTOMERS_PATH}?notice=deleted`, 303);
  });

  app.get<ConnectionParams>(`${CUSTOMERS_PATH}/idp/:idpId/applications/:saasid/remove`, async (request, reply) => {
    const customer = await services.customers.getCustomer(accountOf(request), request.params.idpId);
    const connection = customer.applications.find((a) => a.saasid === request.params.saasid);
    if (!connection) throw new AppError('APPLICATION_NOT_FOUND', `Customer "${customer.idpId}" is not connected to an application with saasid ${request.params.saasid}.`);
    return sendPage(reply, removeConnectionPage(chromeOf(request, reply), customer, connection));
  });

  app.post<ConnectionParams>(`${CUSTOMERS_PATH}/idp/:idpId/applications/:saasid/remove`, csrf, async (request, reply) => {
    await services.customers.removeAppConnection(adminActor(request), request.params.idpId, request.params.saasid);
    return reply.redirect(`${customerPath(request.params.idpId)}?notice=removed`, 303);
  });

  app.get<IdpParams>(`${CUSTOMERS_PATH}/idp/:idpId/configuration`, async (request, reply) => {
    const accountId = accountOf(request);
    const [customer, configurations] = await Promise.all([
      services.customers.getCustomer(accountId, request.params.idpId),
      services.customers.idpConfiguration(accountId, request.params.idpId),
    ]);
    return sendPage(reply, idpConfigurationPage(chromeOf(request, reply), { customer, configurations, now: clock.now() }));
  });

  app.get<IdpParams & { Querystring: { saasid?: string } }>(`${CUSTOMERS_PATH}/idp/:idpId/metadata.xml`, async (request, reply) => {
    const configurations = await services.customers.idpConfiguration(accountOf(request), request.params.idpId);
    const saasid = text(request.query.saasid);
    const match = configurations.find((c) => (saasid === '' ? c.multiplexed : !c.multiplexed && c.applications.includes(saasid)));
    if (!match) {
      throw new AppError(
        'APPLICATION_NOT_FOUND',
        saasid === '' ? 'This customer has no multiplexed connection.' : `This customer has no non-multiplexed connection to ${saasid}.`,
      );
    }
    const filename = `sp-metadata-${request.params.idpId.replace(/[^A-Za-z0-9._-]/g, '_')}${saasid ? `-${saasid}` : ''}.xml`;
    return reply
      .type('application/samlmetadata+xml; charset=utf-8')
      .header('Content-Disposition', `attachment; filename="${filename}"`)
      .send(match.metadataXml);
  });
}
