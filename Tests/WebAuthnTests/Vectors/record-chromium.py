#!/usr/bin/env python3
"""Records real WebAuthn registrations and assertions from headless Chromium's virtual authenticator.

Run once by hand (Debian package `chromium`; Python standard library only):

    python3 Tests/WebAuthnTests/Vectors/record-chromium.py > Tests/WebAuthnTests/Vectors/ChromiumVectors.swift

It serves a blank page on http://localhost:PORT (a secure context, so the RP ID can be `localhost`), drives
Chromium over the DevTools protocol on a pipe (--remote-debugging-pipe), adds a virtual authenticator
(WebAuthn.addVirtualAuthenticator), has the page parse creation and request options in the Level 3 JSON form
(parseCreationOptionsFromJSON / parseRequestOptionsFromJSON, written byte for byte as CreationOptions and
RequestOptions serialise them), calls navigator.credentials.create() and then get(), and prints the options and
the responses in their toJSON() form as Swift constants, with the challenges, the origin and the time recorded.
Nothing in it is copied from another project; every run makes new keys, so the output differs each time.
"""
import base64
import http.server
import json
import os
import shutil
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))), "scripts"))

from harness import chromium  # noqa: E402 - after the path is set

PAGE = b"<!doctype html><meta charset=utf-8><title>TapStation WebAuthn vectors</title><p>recording"


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, *args):
        pass


def b64url(data):
    return base64.urlsafe_b64encode(bytes(data)).rstrip(b"=").decode()


def compact(value):
    """The same bytes as TapStation's JSONValue.serialized for ASCII content: sorted keys, no spaces."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def creation_options(challenge, attestation, user_verification, algorithms):
    return compact({
        "rp": {"id": "localhost", "name": "TapStation"},
        "user": {"id": b64url([1, 2, 3, 4]), "name": "ada@contoso.example", "displayName": "Ada"},
        "challenge": b64url(challenge),
        "pubKeyCredParams": [{"type": "public-key", "alg": a} for a in algorithms],
        "timeout": 300000,
        "excludeCredentials": [{"type": "public-key", "id": b64url([9, 9]), "transports": ["usb"]}],
        "authenticatorSelection": {"userVerification": user_verification, "residentKey": "discouraged",
                                   "requireResidentKey": False},
        "attestation": attestation,
    })


def request_options(challenge, credential_id, transports, user_verification):
    descriptor = {"type": "public-key", "id": credential_id}
    if transports:
        descriptor["transports"] = transports
    return compact({"challenge": b64url(challenge), "rpId": "localhost", "allowCredentials": [descriptor],
                    "userVerification": user_verification, "timeout": 300000})


# The page parses the options exactly as the service will serve them, with the browser's own JSON parser.
def create_script(options):
    return f"""(async () => {{
      const options = PublicKeyCredential.parseCreationOptionsFromJSON(JSON.parse({json.dumps(options)}));
      const credential = await navigator.credentials.create({{publicKey: options}});
      return JSON.stringify(credential.toJSON());
    }})()"""


def get_script(options):
    return f"""(async () => {{
      const options = PublicKeyCredential.parseRequestOptionsFromJSON(JSON.parse({json.dumps(options)}));
      const credential = await navigator.credentials.get({{publicKey: options}});
      return JSON.stringify(credential.toJSON());
    }})()"""


def main():
    binary = chromium.find()
    if not binary:
        sys.exit("install the Debian package chromium first")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f"http://localhost:{server.server_address[1]}"
    profile = tempfile.mkdtemp(prefix="webauthn-vectors-")
    devtools = chromium.DevTools(binary, profile)
    version = devtools.send("Browser.getVersion")["product"]
    cases = [
        # name, authenticator protocol, attestation conveyance, user verification, algorithms offered
        ("packedES256", "ctap2", "direct", "required", [-7, -257, -8]),
        ("packedRS256", "ctap2", "direct", "required", [-257]),
        ("packedEdDSA", "ctap2", "direct", "required", [-8]),
        ("noneES256", "ctap2", "none", "required", [-7]),
        ("fidoU2F", "u2f", "direct", "discouraged", [-7]),
    ]
    vectors = []
    try:
        for index, (name, protocol, attestation, user_verification, algorithms) in enumerate(cases):
            devtools.attach_tab()
            devtools.send("WebAuthn.enable", {})
            authenticator = devtools.send("WebAuthn.addVirtualAuthenticator", {"options": {
                "protocol": protocol, "transport": "usb", "hasResidentKey": protocol == "ctap2",
                "hasUserVerification": protocol == "ctap2", "isUserVerified": protocol == "ctap2",
                "automaticPresenceSimulation": True}})["authenticatorId"]
            devtools.send("Page.enable", {})
            devtools.send("Page.navigate", {"url": origin + "/"})
            for _ in range(100):
                if devtools.evaluate("document.readyState") == "complete":
                    break
                time.sleep(0.05)
            registration_challenge = [(index * 64 + i) & 0xFF for i in range(32)]
            assertion_challenge = [(index * 64 + 32 + i) & 0xFF for i in range(32)]
            recorded_at = time.time()
            creation = creation_options(registration_challenge, attestation, user_verification, algorithms)
            registration = devtools.evaluate(create_script(creation))
            registered = json.loads(registration)
            request = request_options(assertion_challenge, registered["id"],
                                      registered["response"].get("transports", []), user_verification)
            assertion = devtools.evaluate(get_script(request))
            devtools.send("WebAuthn.removeVirtualAuthenticator", {"authenticatorId": authenticator})
            devtools.send("Target.closeTarget", {"targetId": devtools.target}, session=False)
            vectors.append((name, protocol, user_verification == "required", registration_challenge,
                            assertion_challenge, recorded_at, creation, registration, request, assertion))
    finally:
        devtools.close()
        server.shutdown()
        shutil.rmtree(profile, ignore_errors=True)

    print("// Generated by Tests/WebAuthnTests/Vectors/record-chromium.py; do not edit by hand.")
    print(f"// Recorded from {version} (Debian package chromium), headless, with its DevTools virtual")
    print(f"// authenticator; origin {origin}, RP ID localhost.")
    print("import Foundation\n")
    print("extension ChromiumVector {")
    print("    static let all: [ChromiumVector] = [")
    for name, protocol, uv, reg_challenge, get_challenge, recorded_at, creation, registration, request, assertion in vectors:
        print("        ChromiumVector(")
        print(f"            name: \"{name}\", authenticatorProtocol: \"{protocol}\", origin: \"{origin}\",")
        print(f"            userVerificationRequired: {'true' if uv else 'false'},")
        print(f"            registrationChallenge: {reg_challenge},")
        print(f"            assertionChallenge: {get_challenge},")
        print(f"            recordedAt: Date(timeIntervalSince1970: {recorded_at:.3f}),")
        print(f"            creationOptionsJSON: #\"{creation}\"#,")
        print(f"            registrationJSON: #\"{registration}\"#,")
        print(f"            requestOptionsJSON: #\"{request}\"#,")
        print(f"            assertionJSON: #\"{assertion}\"#")
        print("        ),")
    print("    ]")
    print("}")


if __name__ == "__main__":
    main()
