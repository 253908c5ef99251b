#!/usr/bin/python3
"""A SaaS provider's SAML application played by Lasso: it receives what ssobridge posts to the
app's ACS URL. One JSON command on stdin, one JSON result on stdout (see common.py):

  {"op": "accept", "sp": {"entityId", "acsUrl", "keyFile", "certFile"},
   "idpMetadata": <ssobridge's IdP metadata for this app>, "SAMLResponse": <base64>,
   "toleranceSeconds"?: 60, "verify"?: "force" | "maybe"}

Lasso verifies the signatures with the certificate from the IdP metadata ("force", the
default: the Response must be signed and the Assertion's own signature is verified too;
"maybe": an unsigned Response is allowed, and then the Assertion signature decides), accepts
the SSO, and checks the assertion's conditions for this SP (audience and validity window).
The result names what Lasso read.
"""

from common import lasso, read, run_cli, sp_metadata, text_of

STATES = {
    lasso.SAML2_ASSERTION_VALID: "valid",
    lasso.SAML2_ASSERTION_INVALID: "invalid",
    lasso.SAML2_ASSERTION_INDETERMINATE: "indeterminate",
}


def op_accept(command):
    sp = command["sp"]
    server = lasso.Server.newFromBuffers(sp_metadata(sp["entityId"], sp["acsUrl"], read(sp["certFile"])),
                                         read(sp["keyFile"]), None, read(sp["certFile"]))
    server.addProviderFromBuffer(lasso.PROVIDER_ROLE_IDP, command["idpMetadata"])
    login = lasso.Login(server)
    login.setSignatureVerifyHint(lasso.PROFILE_SIGNATURE_VERIFY_HINT_MAYBE if command.get("verify") == "maybe"
                                 else lasso.PROFILE_SIGNATURE_VERIFY_HINT_FORCE)
    login.processAuthnResponseMsg(command["SAMLResponse"])
    login.acceptSso()
    response = login.response
    assertion = response.assertion[0]
    attributes = {}
    for statement in assertion.attributeStatement or ():
        for attribute in statement.attribute or ():
            attributes.setdefault(attribute.name, []).extend(text_of(v) for v in attribute.attributeValue or ())
    name_id = login.nameIdentifier
    confirmation = assertion.subject.subjectConfirmation
    data = confirmation.subjectConfirmationData if confirmation else None
    tolerance = command.get("toleranceSeconds", 60)
    return {
        "remoteProviderId": login.remoteProviderId,
        "responseIssuer": response.issuer.content if response.issuer else None,
        "assertionIssuer": assertion.issuer.content if assertion.issuer else None,
        "destination": response.destination,
        "recipient": data.recipient if data else None,
        "assertionId": assertion.iD,
        "nameId": name_id.content,
        "nameIdFormat": name_id.format,
        "attributes": attributes,
        "conditions": STATES.get(assertion.validateConditions(sp["entityId"]), "unknown"),
        "audience": STATES.get(assertion.validateAudience(sp["entityId"]), "unknown"),
        "timeChecks": STATES.get(assertion.validateTimeChecks(tolerance, 0), "unknown"),
        "relayState": login.msgRelayState,
    }


if __name__ == "__main__":
    run_cli({"accept": op_accept})
