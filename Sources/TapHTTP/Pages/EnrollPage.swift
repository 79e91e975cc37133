import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import TapCore

/// `GET /enroll`: the page where a passwordless user signs in with their pass and registers a FIDO2 key.
///
/// One self-contained document: inline script and style allowed by a per-response nonce in a strict
/// Content-Security-Policy, nothing loaded from anywhere, plain HTML that reads without styling. It talks to the
/// same API as every other client (redeem, then the session-token routes).
struct EnrollPage {
    let services: AppServices

    func register(_ routes: RouteTable) {
        routes.add(.get, "/enroll", .anyone, handler: page)
    }

    @Sendable func page(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        let nonce = Data(services.world.randomBytes(18)).base64EncodedString()
        let html = Self.template.replacingOccurrences(of: "{{NONCE}}", with: nonce)
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                HTTPField.Name("Content-Security-Policy")!: Self.contentSecurityPolicy(nonce: nonce),
                HTTPField.Name("X-Content-Type-Options")!: "nosniff", HTTPField.Name("Referrer-Policy")!: "no-referrer",
                HTTPField.Name("X-Frame-Options")!: "DENY",
                HTTPField.Name("Permissions-Policy")!:
                    "publickey-credentials-create=(self), publickey-credentials-get=(self)",
            ],
            body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }

    /// Nothing but this response's own inline script and style, and calls to this origin.
    static func contentSecurityPolicy(nonce: String) -> String {
        "default-src 'none'; script-src 'nonce-\(nonce)'; style-src 'nonce-\(nonce)'; connect-src 'self'; "
            + "img-src 'none'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'"
    }

    static let template = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="referrer" content="no-referrer">
        <title>Register your security key - TapStation</title>
        <style nonce="{{NONCE}}">
        body { font-family: system-ui, sans-serif; max-width: 34rem; margin: 0 auto; padding: 1rem; line-height: 1.5; }
        label { display: block; margin-top: 1rem; font-weight: 600; }
        input { font-size: 1.2rem; width: 100%; box-sizing: border-box; padding: .6rem; margin-top: .25rem; }
        button { font-size: 1.2rem; margin-top: 1.25rem; padding: .7rem 1.4rem; }
        #status { margin-top: 1.5rem; padding: .8rem; border-radius: .3rem; }
        #status[data-state="working"] { background: #eef3fb; }
        #status[data-state="done"] { background: #e6f4ea; border: 2px solid #1e7b34; }
        #status[data-state="error"] { background: #fdecea; border: 2px solid #b3261e; }
        </style>
        </head>
        <body>
        <main>
        <h1>Register your security key</h1>
        <p>Sign in with your user name and the temporary access pass you were given. Then touch your security key
        when your browser asks, and follow its prompts (for example, enter the key's PIN).</p>
        <noscript><p><strong>This page needs JavaScript to talk to your security key.</strong></p></noscript>
        <form id="enroll" autocomplete="off">
        <label for="upn">User name (like ada@contoso.example)</label>
        <input id="upn" name="upn" type="email" autocomplete="username" autocapitalize="none" spellcheck="false" required>
        <label for="pass">Temporary access pass</label>
        <input id="pass" name="pass" type="text" autocomplete="one-time-code" autocapitalize="characters" spellcheck="false" required>
        <button id="start" type="submit">Register my key</button>
        </form>
        <div id="status" role="status" aria-live="polite" data-state="idle"></div>
        <section id="accepted" hidden>
        <h2>Security keys accepted here</h2>
        <ul id="accepted-list"></ul>
        </section>
        </main>
        <script nonce="{{NONCE}}">
        "use strict";
        (function () {
          const form = document.getElementById("enroll");
          const status = document.getElementById("status");
          const button = document.getElementById("start");
          let token = null;  // kept after a successful sign-in, so a retry does not use the pass again
          const messages = {
            invalid_pass: "That user name and pass do not work. Check both and try again, or ask the help desk for a new pass.",
            rate_limited: "Too many tries. Wait a few minutes, then try again.",
            invalid_session_token: "Your sign-in has ended. Sign in again with your pass.",
            webauthn_credential_already_registered: "This security key is registered already.",
            webauthn_user_verification_missing: "The key did not check your PIN or fingerprint. Use a key with a PIN or fingerprint.",
            webauthn_attestation_not_trusted: "This kind of security key is not accepted here. Ask the help desk which keys to use.",
            webauthn_aaguid_not_allowed: "This model of security key is not accepted here. Ask the help desk which keys to use.",
            webauthn_aaguid_blocked: "This model of security key is not accepted here. Ask the help desk which keys to use.",
            webauthn_attestation_required: "This key does not prove its make and model, and this organisation needs that. Use a security key from the help desk.",
            webauthn_device_bound_required: "This passkey can sync to other devices, and this organisation accepts only keys that stay on one device.",
            webauthn_certification_level_too_low: "This model of security key is not certified highly enough for this organisation.",
            webauthn_authenticator_status_refused: "This model of security key has a known weakness and is not accepted. Ask the help desk for another key.",
            webauthn_model_roots_not_reached: "This key claims to be a model it cannot prove it is. Ask the help desk for another key.",
            webauthn_metadata_stale: "Keys cannot be checked right now. Tell the help desk (the key list is out of date).",
            webauthn_challenge_expired: "That took too long. Press the button to try again."
          };
          function showAccepted(lines) {
            const section = document.getElementById("accepted");
            const list = document.getElementById("accepted-list");
            list.replaceChildren();
            (lines || []).forEach(function (line) {
              const item = document.createElement("li");
              item.textContent = line;
              list.appendChild(item);
            });
            section.hidden = !(lines && lines.length);
          }
          function show(state, text) {
            status.dataset.state = state;
            status.textContent = text;
          }
          function fromB64url(text) {
            const base = text.replace(/-/g, "+").replace(/_/g, "/");
            const raw = atob(base + "===".slice((base.length + 3) % 4));
            const bytes = new Uint8Array(raw.length);
            for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
            return bytes.buffer;
          }
          function toB64url(buffer) {
            const bytes = new Uint8Array(buffer);
            let raw = "";
            for (let i = 0; i < bytes.length; i++) raw += String.fromCharCode(bytes[i]);
            return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
          }
          function descriptors(list) {
            return (list || []).map(function (d) { return Object.assign({}, d, { id: fromB64url(d.id) }); });
          }
          function creationOptions(json) {
            if (PublicKeyCredential.parseCreationOptionsFromJSON) return PublicKeyCredential.parseCreationOptionsFromJSON(json);
            return Object.assign({}, json, {
              challenge: fromB64url(json.challenge),
              user: Object.assign({}, json.user, { id: fromB64url(json.user.id) }),
              excludeCredentials: descriptors(json.excludeCredentials)
            });
          }
          function requestOptions(json) {
            if (PublicKeyCredential.parseRequestOptionsFromJSON) return PublicKeyCredential.parseRequestOptionsFromJSON(json);
            return Object.assign({}, json, { challenge: fromB64url(json.challenge), allowCredentials: descriptors(json.allowCredentials) });
          }
          function credentialJSON(credential) {
            if (typeof credential.toJSON === "function") return credential.toJSON();
            const r = credential.response;
            const response = { clientDataJSON: toB64url(r.clientDataJSON) };
            if (r.attestationObject) {
              response.attestationObject = toB64url(r.attestationObject);
              response.transports = typeof r.getTransports === "function" ? r.getTransports() : [];
            } else {
              response.authenticatorData = toB64url(r.authenticatorData);
              response.signature = toB64url(r.signature);
              if (r.userHandle) response.userHandle = toB64url(r.userHandle);
            }
            return { id: credential.id, rawId: toB64url(credential.rawId), type: credential.type, response: response,
                     clientExtensionResults: {} };
          }
          async function call(path, body, token) {
            const headers = { "Content-Type": "application/json" };
            if (token) headers.Authorization = "Bearer " + token;
            const reply = await fetch(path, { method: "POST", headers: headers, body: JSON.stringify(body || {}),
                                              credentials: "omit", cache: "no-store" });
            const data = await reply.json().catch(function () { return {}; });
            if (!reply.ok) {
              const error = new Error(messages[data.code] || data.detail || ("The server answered " + reply.status + "."));
              error.code = data.code || ("http_" + reply.status);
              throw error;
            }
            return data;
          }
          function browserMessage(error) {
            if (error.name === "NotAllowedError") return "The security key was not used, or the request was cancelled or timed out. Press the button to try again.";
            if (error.name === "InvalidStateError") return "This security key is registered for you already.";
            if (error.name === "SecurityError") return "This page's address does not match the organisation's settings. Tell the help desk.";
            return null;
          }
          form.addEventListener("submit", async function (event) {
            event.preventDefault();
            if (!window.PublicKeyCredential || !navigator.credentials) {
              show("error", "This browser cannot register security keys. Use a current browser.");
              return;
            }
            const upn = document.getElementById("upn").value.trim();
            const passField = document.getElementById("pass");
            button.disabled = true;
            try {
              if (!token) {
                show("working", "Signing in...");
                const redeemed = await call("/v1/redeem", { userPrincipalName: upn, temporaryAccessPass: passField.value });
                token = redeemed.sessionToken;
              }
              passField.value = "";
              passField.required = false;
              show("working", "Touch your security key now, and follow your browser's prompts.");
              const creation = await call("/v1/enrollment/fido2/options", {}, token);
              showAccepted(creation.acceptedKeys);
              const created = await navigator.credentials.create({ publicKey: creationOptions(creation.publicKey) });
              show("working", "Checking your key...");
              const registered = await call("/v1/enrollment/fido2", credentialJSON(created), token);
              if (registered.testSignInRequired) {
                show("working", "Key registered. Now prove it: touch your security key once more.");
                const request = await call("/v1/enrollment/fido2/assertion/options", {}, token);
                const asserted = await navigator.credentials.get({ publicKey: requestOptions(request.publicKey) });
                await call("/v1/enrollment/fido2/assertion", credentialJSON(asserted), token);
              }
              form.hidden = true;
              const model = registered.key && registered.key.model ? " (" + registered.key.model.name + ")" : "";
              show("done", "Done. Your security key" + model + " is registered. Your pass no longer works: from now on, sign in with your key.");
            } catch (error) {
              passField.value = "";
              if (error.code === "invalid_session_token") { token = null; passField.required = true; }
              show("error", (browserMessage(error) || error.message || "Something went wrong.") + (error.code ? " (" + error.code + ")" : ""));
            } finally {
              button.disabled = false;
            }
          });
        })();
        </script>
        </body>
        </html>
        """#
}
