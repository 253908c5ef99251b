#!/usr/bin/python3
"""A customer's identity provider played by Lasso, for ssobridge's interop tests.

    /usr/bin/python3 idp.py cli      one JSON command on stdin, one JSON result on stdout
    /usr/bin/python3 idp.py serve    JSON config on stdin; an HTTP IdP on 127.0.0.1 (port on stdout)

Commands (cli):
  {"op": "respond", "idp": IDP, "spMetadata": [xml, ...], "request": REQUEST, "user": USER,
   "sign": "both" | "assertion" | "response" | "none", "times": TIMES}
      processes ssobridge's AuthnRequest (signature verification forced) and answers it;
      REQUEST is {"binding": "redirect", "url": <the Location ssobridge redirected to>}
      or {"binding": "post", "SAMLRequest": ..., "RelayState": ...}
  {"op": "unsolicited", "idp": IDP, "spMetadata": [...], "spEntityId": ..., "relayState": ...,
   "user": USER, "sign": ..., "times": TIMES}
      an IdP-initiated (unsolicited) response to the SP's default ACS
  {"op": "metadata", "idp": IDP}
      this IdP's SAML metadata

  IDP   = {"entityId", "ssoUrl", "keyFile", "certFile", "signatureMethod"?: "rsa-sha256" | "rsa-sha1"}
  USER  = {"nameId"?, "nameIdFormat"?, "attributes": {name: [values]}}  (no nameId: Lasso's transient one)
  TIMES = {"authnInstant", "notBefore", "notOnOrAfter"} (ISO 8601 UTC); each defaults from the
          system clock (now, now - 1 min, now + 5 min); an explicit null is passed to Lasso as None
          (for authnInstant, Lasso 2.8 then omits the attribute)

The server (serve) answers GET/POST /sso with a sign-in form for the pending AuthnRequest;
POST /login checks the user name and returns a page that auto-posts the Response to the ACS.
POST /_config (JSON) sets {"spMetadata": [...], "users": {name: USER}, "sign": ...}.
"""

import base64
import html
import json
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from common import idp_metadata, lasso, read, run_cli, BASIC

EMAIL = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
PASSWORD_PROTECTED_TRANSPORT = lasso.SAML2_AUTHN_CONTEXT_PASSWORD_PROTECTED_TRANSPORT
SIGNATURE = re.compile(r'<(?:ds:)?Signature xmlns(?::ds)?="http://www\.w3\.org/2000/09/xmldsig#">.*?</(?:ds:)?Signature>', re.S)


SIGNATURE_METHODS = {
    "rsa-sha256": lasso.SIGNATURE_METHOD_RSA_SHA256,
    # Lasso's own default, still what older Lasso-based IdPs send.
    "rsa-sha1": lasso.SIGNATURE_METHOD_RSA_SHA1,
}


def make_server(idp, sp_metadata_list):
    server = lasso.Server.newFromBuffers(
        idp_metadata(idp["entityId"], idp.get("ssoUrl"), read(idp["certFile"])),
        read(idp["keyFile"]), None, read(idp["certFile"]))
    server.signatureMethod = SIGNATURE_METHODS[idp.get("signatureMethod", "rsa-sha256")]
    for xml in sp_metadata_list:
        server.addProviderFromBuffer(lasso.PROVIDER_ROLE_SP, xml)
    return server


def request_summary(login):
    request = login.request
    policy = request.nameIdPolicy
    return {
        "id": request.iD,
        "issuer": request.issuer.content if request.issuer else None,
        "destination": request.destination,
        "assertionConsumerServiceUrl": request.assertionConsumerServiceUrl,
        "protocolBinding": request.protocolBinding,
        "forceAuthn": bool(request.forceAuthn),
        "nameIdPolicyFormat": policy.format if policy else None,
        "remoteProviderId": login.remoteProviderId,
        "relayState": login.msgRelayState,
    }


def read_authn_request(login, request):
    """Lasso parses the request and verifies its signature (Redirect: the query string; POST: the XML)."""
    login.setSignatureVerifyHint(lasso.PROFILE_SIGNATURE_VERIFY_HINT_FORCE)
    if request["binding"] == "redirect":
        login.processAuthnRequestMsg(urlsplit(request["url"]).query)
    else:
        login.processAuthnRequestMsg(request["SAMLRequest"])
        if request.get("RelayState"):
            login.msgRelayState = request["RelayState"]


def attribute_statement(attributes):
    statement = lasso.Saml2AttributeStatement()
    items = []
    for name, values in attributes.items():
        attribute = lasso.Saml2Attribute()
        attribute.name = name
        attribute.nameFormat = BASIC
        attribute_values = []
        for value in values:
            text = lasso.MiscTextNode.newWithString(value)
            text.textChild = True
            attribute_value = lasso.Saml2AttributeValue()
            attribute_value.any = [text]
            attribute_values.append(attribute_value)
        attribute.attributeValue = attribute_values
        items.append(attribute)
    statement.attribute = items
    return statement


def unsigned_copy(assertion):
    """The same assertion with no signature: Lasso always signs assertions it builds."""
    xml = SIGNATURE.sub("", assertion.exportToXml(), count=1)
    copy = lasso.Node.newFromDump(xml)
    assert isinstance(copy, lasso.Saml2Assertion), type(copy)
    return copy


def answer(login, user, sign, times):
    """Authenticates the user (already done by the caller), builds the assertion and the response."""
    now = time.time()
    iso = lambda seconds: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))
    times = dict({"authnInstant": iso(now), "notBefore": iso(now - 60), "notOnOrAfter": iso(now + 300)}, **(times or {}))
    login.validateRequestMsg(True, True)
    login.buildAssertion(user.get("authnContext", PASSWORD_PROTECTED_TRANSPORT), times.get("authnInstant"), None,
                         times.get("notBefore"), times.get("notOnOrAfter"))
    assertion = login.assertion
    if user.get("nameId"):
        name_id = assertion.subject.nameID
        name_id.content = user["nameId"]
        name_id.format = user.get("nameIdFormat", EMAIL)
        name_id.nameQualifier = None
    # else: Lasso's own NameID (transient, with NameQualifier), as an unconfigured Lasso IdP sends.
    if user.get("attributes"):
        assertion.attributeStatement = [attribute_statement(user["attributes"])]
    # The Response signature: FORCE signs it, FORBID leaves it unsigned.
    login.setSignatureHint(lasso.PROFILE_SIGNATURE_HINT_FORCE if sign in ("both", "response") else lasso.PROFILE_SIGNATURE_HINT_FORBID)
    relay_state = login.msgRelayState
    login.buildAuthnResponseMsg()
    if sign in ("response", "none"):
        # Built once so Lasso fills in the Recipient; then again around an unsigned copy.
        login.response.assertion = [unsigned_copy(login.response.assertion[0])]
        login.msgRelayState = relay_state
        login.buildAuthnResponseMsg()
    return {
        "acsUrl": login.msgUrl,
        "SAMLResponse": login.msgBody,
        "RelayState": login.msgRelayState,
        "responseXml": base64.b64decode(login.msgBody).decode("utf-8"),
    }


def op_respond(command):
    login = lasso.Login(make_server(command["idp"], command["spMetadata"]))
    read_authn_request(login, command["request"])
    summary = request_summary(login)
    result = answer(login, command["user"], command.get("sign", "both"), command.get("times"))
    result["request"] = summary
    return result


def op_unsolicited(command):
    login = lasso.Login(make_server(command["idp"], command["spMetadata"]))
    login.initIdpInitiatedAuthnRequest(command["spEntityId"])
    # With no nameId of ours, Lasso makes up a transient one (for other formats it leaves it empty).
    login.request.nameIdPolicy.format = EMAIL if command["user"].get("nameId") else lasso.SAML2_NAME_IDENTIFIER_FORMAT_TRANSIENT
    login.request.nameIdPolicy.allowCreate = True
    login.request.protocolBinding = lasso.SAML2_METADATA_BINDING_POST
    login.processAuthnRequestMsg(None)
    if command.get("relayState"):
        login.msgRelayState = command["relayState"]
    return answer(login, command["user"], command.get("sign", "both"), command.get("times"))


def op_metadata(command):
    idp = command["idp"]
    return {"metadata": idp_metadata(idp["entityId"], idp.get("ssoUrl"), read(idp["certFile"]))}


# --- A loopback HTTP IdP for the browser journey ----------------------------------------------

def page(title, body):
    return ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>%s</title></head>"
            "<body><main>%s</main></body></html>" % (html.escape(title), body)).encode("utf-8")


def hidden(fields):
    return "".join('<input type="hidden" name="%s" value="%s">' % (html.escape(k), html.escape(v))
                   for k, v in fields.items() if v is not None)


def serve(config):
    state = {"spMetadata": [], "users": {}, "sign": "both"}
    lock = threading.Lock()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    port = httpd.server_address[1]
    idp = dict(config["idp"], ssoUrl="http://127.0.0.1:%d/sso" % port)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def send(self, status, body, content_type="text/html; charset=utf-8"):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def form(self):
            length = int(self.headers.get("Content-Length") or 0)
            return {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode("utf-8")).items()}

        def sign_in_form(self, request_fields):
            # Lasso checks the request now, so a bad request fails before the user types anything.
            with lock:
                spm = list(state["spMetadata"])
            login = lasso.Login(make_server(idp, spm))
            read_authn_request(login, request_fields)
            summary = request_summary(login)
            body = ('<h1>Customer IdP (Lasso)</h1><p id="sp">Sign in to %s</p>'
                    '<form method="post" action="/login">%s'
                    '<label for="username">User name</label><input id="username" name="username">'
                    '<button type="submit">Sign in</button></form>') % (
                html.escape(summary["issuer"] or ""), hidden({"request": json.dumps(request_fields)}))
            self.send(200, page("Sign in", body))

        def do_GET(self):
            url = urlsplit(self.path)
            if url.path == "/metadata":
                return self.send(200, idp_metadata(idp["entityId"], idp["ssoUrl"], read(idp["certFile"])).encode(), "application/samlmetadata+xml")
            if url.path != "/sso":
                return self.send(404, page("Not found", "<p>Not found</p>"))
            try:
                self.sign_in_form({"binding": "redirect", "url": "http://127.0.0.1:%d%s" % (port, self.path)})
            except Exception as error:
                self.send(400, page("Bad request", "<p id=\"error\">%s: %s</p>" % (type(error).__name__, html.escape(str(error)))))

        def do_POST(self):
            url = urlsplit(self.path)
            try:
                if url.path == "/_config":
                    update = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
                    with lock:
                        state.update(update)
                    return self.send(204, b"")
                fields = self.form()
                if url.path == "/sso":
                    return self.sign_in_form({"binding": "post", "SAMLRequest": fields.get("SAMLRequest", ""), "RelayState": fields.get("RelayState")})
                if url.path == "/login":
                    with lock:
                        spm, users, sign = list(state["spMetadata"]), dict(state["users"]), state["sign"]
                    user = users.get(fields.get("username", ""))
                    if user is None:
                        return self.send(401, page("Sign in", "<p id=\"error\">Unknown user</p>"))
                    login = lasso.Login(make_server(idp, spm))
                    read_authn_request(login, json.loads(fields["request"]))
                    result = answer(login, user, sign, None)
                    body = ('<form id="post" method="post" action="%s">%s<noscript><button>Continue</button></noscript></form>'
                            '<script>document.getElementById("post").submit()</script>') % (
                        html.escape(result["acsUrl"]), hidden({"SAMLResponse": result["SAMLResponse"], "RelayState": result["RelayState"]}))
                    return self.send(200, page("Signing you in", body))
                return self.send(404, page("Not found", "<p>Not found</p>"))
            except Exception as error:
                self.send(400, page("Bad request", "<p id=\"error\">%s: %s</p>" % (type(error).__name__, html.escape(str(error)))))

    httpd.RequestHandlerClass = Handler
    sys.stdout.write(json.dumps({"ok": True, "port": port, "ssoUrl": idp["ssoUrl"]}) + "\n")
    sys.stdout.flush()
    # Stops when the test closes our stdin (or kills us).
    threading.Thread(target=lambda: (sys.stdin.read(), httpd.shutdown()), daemon=True).start()
    httpd.serve_forever()


if __name__ == "__main__":
    mode = sys.argv[1] if len(sys.argv) > 1 else "cli"
    if mode == "serve":
        serve(json.loads(sys.stdin.readline()))
    else:
        run_cli({"respond": op_respond, "unsolicited": op_unsolicited, "metadata": op_metadata})
