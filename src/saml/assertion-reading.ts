import type { Element } from '@xmldom/xmldom';
import type { ResponseExpectations, ValidatedAssertion } from './response-types.js';
import { bearerConfirmations, parseTime, subjectConfirmationData, text } from './saml-checks.js';
import { childElements, NS } from './xml.js';

/**
 * A record of attributes keyed by names the IdP chose: without a prototype, so a name such as
 * `constructor` or `__proto__` is an attribute like any other, never a member of Object.prototype.
 */
export function attributeRecord<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** The identity, from the verified assertion node that passed every check. */
export function readAssertion(assertion: Element, expect: ResponseExpectations): ValidatedAssertion {
  const child = (parent: Element | undefined, localName: string) => (parent ? childElements(parent, NS.saml, localName)[0] : undefined);
  const nameId = child(child(assertion, 'Subject'), 'NameID')!;
  const authn = child(assertion, 'AuthnStatement')!;
  const classRef = text(child(child(authn, 'AuthnContext'), 'AuthnContextClassRef'));
  const attributes = attributeRecord<string[]>();
  for (const statement of childElements(assertion, NS.saml, 'AttributeStatement')) {
    for (const attribute of childElements(statement, NS.saml, 'Attribute')) {
      const name = attribute.getAttribute('Name');
      if (!name) continue;
      attributes[name] = [...(attributes[name] ?? []), ...childElements(attribute, NS.saml, 'AttributeValue').map((v) => text(v))];
    }
  }
  // The replay cache must outlive every confirmation (and the Conditions) that could still be presented.
  const until = [
    ...bearerConfirmations(assertion).map((c) => parseTime(subjectConfirmationData(c)?.getAttribute('NotOnOrAfter'))),
    parseTime(child(assertion, 'Conditions')?.getAttribute('NotOnOrAfter')),
  ].filter((t) => !Number.isNaN(t));
  return {
    assertionId: assertion.getAttribute('ID')!,
    issuer: text(child(assertion, 'Issuer')),
    nameId: text(nameId),
    nameIdFormat: nameId.getAttribute('Format') || null,
    sessionIndex: authn.getAttribute('SessionIndex') || null,
    authnInstant: authn.getAttribute('AuthnInstant')!,
    authnContextClassRef: classRef || null,
    attributes,
    expiresAt: Math.max(0, ...until) + expect.clockSkewMs,
  };
}
