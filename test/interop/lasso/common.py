"""Shared pieces of the Lasso peers used by the interop tests (an IdP and an SP).

Lasso (python3-lasso, Entr'ouvert's SAML 2.0 library) is the independent implementation the
tests hold ssobridge against. The Debian package installs it for the system interpreter only,
so these scripts run under /usr/bin/python3. Input and output are JSON; an error is reported
as {"ok": false, "error": <Lasso exception class>, "message": ...} with exit status 2.
"""

import json
import sys
import traceback

try:
    import lasso  # noqa: F401  (re-exported)
except ImportError as error:  # pragma: no cover - reported to the TypeScript side
    sys.stdout.write(json.dumps({
        "ok": False,
        "error": "LassoNotInstalled",
        "message": "python3-lasso is not installed for /usr/bin/python3 (%s): sudo apt-get install -y python3-lasso" % error,
    }))
    sys.exit(3)

MD = "urn:oasis:names:tc:SAML:2.0:metadata"
DS = "http://www.w3.org/2000/09/xmldsig#"
REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
BASIC = "urn:oasis:names:tc:SAML:2.0:attrname-format:basic"


def xml_escape(value):
    return (value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&apos;"))


def certificate_body(pem):
    """The base64 DER of a PEM certificate, as ds:X509Certificate wants it."""
    lines = [line.strip() for line in pem.strip().splitlines()]
    return "".join(line for line in lines if line and not line.startswith("-----"))


def idp_metadata(entity_id, sso_url, certificate_pem):
    """SAML 2.0 IdP metadata for Lasso's Server (our IdP role, or a remote IdP for the SP)."""
    sso = ""
    if sso_url:
        sso = ('  <md:SingleSignOnService Binding="%s" Location="%s"/>\n'
               '  <md:SingleSignOnService Binding="%s" Location="%s"/>\n') % (
            REDIRECT, xml_escape(sso_url), POST, xml_escape(sso_url))
    return """<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="%s" xmlns:ds="%s" entityID="%s">
 <md:IDPSSODescriptor WantAuthnRequestsSigned="true" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
  <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>%s</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
%s </md:IDPSSODescriptor>
</md:EntityDescriptor>
""" % (MD, DS, xml_escape(entity_id), certificate_body(certificate_pem), sso)


def sp_metadata(entity_id, acs_url, certificate_pem):
    """SAML 2.0 SP metadata for Lasso's Server in the SP role."""
    return """<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="%s" xmlns:ds="%s" entityID="%s">
 <md:SPSSODescriptor AuthnRequestsSigned="true" WantAssertionsSigned="true" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
  <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>%s</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
  <md:AssertionConsumerService Binding="%s" Location="%s" index="0" isDefault="true"/>
 </md:SPSSODescriptor>
</md:EntityDescriptor>
""" % (MD, DS, xml_escape(entity_id), certificate_body(certificate_pem), POST, xml_escape(acs_url))


def read(path):
    with open(path, "r", encoding="utf-8") as handle:
        return handle.read()


def text_of(node):
    """The text content of a Lasso node list member (AttributeValue.any holds MiscTextNodes)."""
    parts = []
    for child in node.any or ():
        if isinstance(child, lasso.MiscTextNode):
            parts.append(child.content or "")
        else:
            parts.append(child.dump())
    return "".join(parts)


def failure(error):
    return {
        "ok": False,
        "error": type(error).__name__,
        "message": str(error),
        "code": getattr(error, "code", None),
        "trace": traceback.format_exc(),
    }


def run_cli(handlers):
    """Reads one JSON command on stdin, runs handlers[command["op"]], writes one JSON result."""
    command = json.loads(sys.stdin.read())
    handler = handlers.get(command.get("op"))
    if handler is None:
        sys.stdout.write(json.dumps({"ok": False, "error": "UnknownOperation", "message": repr(command.get("op"))}))
        sys.exit(2)
    try:
        result = handler(command)
    except Exception as error:  # Lasso errors are the interesting output
        sys.stdout.write(json.dumps(failure(error)))
        sys.exit(2)
    result["ok"] = True
    sys.stdout.write(json.dumps(result))
