/// The console's one stylesheet and one script, served from `/console/` (the CSP allows nothing inline and
/// nothing from elsewhere).
enum ConsoleAssets {
    static let css = """
        *, *::before, *::after { box-sizing: border-box; }
        body { margin: 0; font-family: system-ui, sans-serif; line-height: 1.5; color: #1b1b1b; background: #fff; }
        .bar { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center; padding: .6rem 1rem;
          background: #123b63; color: #fff; }
        .bar a, .bar .home { color: #fff; font-weight: 700; text-decoration: none; }
        .bar .who { flex: 1; }
        .bar button { background: #fff; color: #123b63; border: 0; }
        main { max-width: 60rem; margin: 0 auto; padding: 1rem; }
        h1 { font-size: 1.6rem; } h2 { font-size: 1.25rem; margin-top: 2rem; } h3 { font-size: 1.05rem; }
        label { display: block; margin-top: 1rem; font-weight: 600; }
        input { font-size: 1.1rem; width: 100%; max-width: 24rem; padding: .5rem; margin-top: .25rem;
          border: 2px solid #555; border-radius: .25rem; }
        button { font-size: 1rem; padding: .55rem 1.1rem; border-radius: .25rem; border: 2px solid #123b63;
          background: #fff; color: #123b63; cursor: pointer; }
        button.primary, a.button.primary { background: #123b63; color: #fff; margin-top: 1rem; }
        a.button { display: inline-block; padding: .55rem 1.1rem; border-radius: .25rem; text-decoration: none;
          border: 2px solid #123b63; font-size: 1rem; }
        button:disabled { opacity: .6; cursor: progress; }
        a { color: #0b4f8a; }
        :focus-visible { outline: 3px solid #c75000; outline-offset: 2px; }
        .help { color: #444; margin: .25rem 0 0; font-size: .95rem; }
        .problem, #status[data-state="error"] { background: #fdecea; border: 2px solid #b3261e; padding: .7rem;
          border-radius: .25rem; }
        #status[data-state="working"] { background: #eef3fb; padding: .7rem; border-radius: .25rem; }
        #status[data-state="done"] { background: #e6f4ea; border: 2px solid #1e7b34; padding: .7rem;
          border-radius: .25rem; }
        table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; font-size: .95rem; }
        th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid #ccc; vertical-align: top; }
        nav a { margin-right: .8rem; }
        fieldset { border: 0; padding: 0; margin: 1rem 0 0; } legend { font-weight: 600; }
        label.choice { font-weight: 400; margin-top: .3rem; }
        select { font-size: 1rem; padding: .45rem; margin-top: .25rem; max-width: 24rem; width: 100%; }
        .field-error { color: #a31a12; font-weight: 600; margin: .25rem 0 0; }
        .pass-box { border: 3px solid #123b63; border-radius: .4rem; padding: 1rem; margin: 1rem 0; }
        .pass { font: 700 2.4rem/1.2 ui-monospace, monospace; letter-spacing: .12em; word-break: break-all; }
        .pass-box[data-hidden="true"] .pass { font: 600 1.1rem/1.4 system-ui, sans-serif; letter-spacing: 0; }
        dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
        dl.facts dt { font-weight: 600; } dl.facts dd { margin: 0; }
        form.inline { margin: .75rem 0; } form.find input, form.find select { max-width: 20rem; }
        article.approval { border-top: 2px solid #ccc; padding-top: .5rem; }
        figure.qr { margin: .5rem 0; } figure.qr svg { display: block; border: 1px solid #ccc; }
        .notice { background: #e6f4ea; border: 2px solid #1e7b34; padding: .7rem; border-radius: .25rem; }
        section.danger { border-top: 3px solid #b3261e; margin-top: 2rem; }
        button.danger { border-color: #b3261e; color: #a31a12; }
        #timeline li { margin: .2rem 0; }
        textarea { font: .95rem/1.4 ui-monospace, monospace; width: 100%; padding: .5rem; margin-top: .25rem;
          border: 2px solid #555; border-radius: .25rem; }
        .slips { display: grid; grid-template-columns: repeat(auto-fill, minmax(17rem, 1fr)); gap: .75rem; }
        .slip { border: 1px dashed #555; padding: .6rem .8rem; break-inside: avoid; }
        .slip h3 { margin: 0; } .slip .pass { font-size: 1.5rem; margin: .3rem 0; }
        dl.slip-facts { display: grid; grid-template-columns: max-content 1fr; gap: 0 .8rem; margin: 0; }
        dl.slip-facts dd { margin: 0; overflow-wrap: anywhere; }
        @media print { .bar, form, #timeline, h2, dl.facts, #pass-label, .notice, main > p, #print-pass { display: none; }
          .slips { grid-template-columns: 1fr 1fr; } }
        .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
        section.shown-once { border: 3px solid #123b63; border-radius: .4rem; padding: 0 1rem .5rem; margin: 1rem 0; }
        code.token { font-size: 1.05rem; word-break: break-all; }
        form.panel { border-top: 2px solid #ccc; margin-top: 1.5rem; padding-top: .25rem; max-width: 36rem; }
        details.row-actions summary { cursor: pointer; color: #123b63; font-weight: 600; }
        label.check { font-weight: 400; display: block; margin-top: .2rem; }
        div.actions form.inline { display: inline-block; margin: .5rem .5rem .5rem 0; }
        nav.filters { margin: 1rem 0 .5rem; } nav.filters a[aria-current] { font-weight: 700; }
        @media (max-width: 40rem) {
          table, thead, tbody, tr, th, td { display: block; }
          thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
          tr { border-bottom: 2px solid #ccc; padding: .4rem 0; } td { border: 0; padding: .1rem 0; }
        }

        """

    static let script = #"""
        "use strict";
        (function () {
          const status = document.getElementById("status");
          const messages = {
            invalid_invitation: "That invitation code does not work: it may be mistyped, used already, or expired. Ask an administrator for a new one.",
            console_sign_in_refused: "This passkey does not sign anyone in here. Use the passkey you registered for TapStation, or ask an administrator.",
            origin_not_allowed: "This page's address is not the console's. Open the console from its usual address.",
            webauthn_user_verification_missing: "Your passkey did not check your PIN, fingerprint or face. Use one that does.",
            webauthn_credential_already_registered: "This passkey is registered already. Sign in with it instead.",
            webauthn_challenge_expired: "That took too long. Try again.",
            rate_limited: "Too many tries. Wait a few minutes, then try again."
          };
          function show(state, text) {
            if (!status) return;
            status.dataset.state = state;
            status.textContent = text;
          }
          function browserMessage(error) {
            if (error.name === "NotAllowedError") return "The passkey was not used, or the request was cancelled or timed out. Try again.";
            if (error.name === "InvalidStateError") return "This passkey is registered already. Sign in with it instead.";
            if (error.name === "SecurityError") return "This page's address does not match the organisation's settings. Tell an administrator.";
            return "Something went wrong: " + (error.message || error.name) + ". Try again.";
          }
          async function post(path, body) {
            const reply = await fetch(path, { method: "POST", headers: { "Content-Type": "application/json" },
                                              body: JSON.stringify(body || {}), credentials: "same-origin", cache: "no-store" });
            const data = await reply.json().catch(function () { return {}; });
            if (!reply.ok) {
              const error = new Error(messages[data.code] || data.detail || ("The server answered " + reply.status + "."));
              error.code = data.code || ("http_" + reply.status);
              throw error;
            }
            return data;
          }
          function supported() {
            if (window.PublicKeyCredential && PublicKeyCredential.parseRequestOptionsFromJSON) return true;
            show("error", "This browser cannot use passkeys here. Use a current Chrome, Edge, Safari or Firefox.");
            return false;
          }
          async function run(button, work) {
            if (!supported()) return;
            button.disabled = true;
            show("working", "Follow your browser: touch your security key, or unlock the passkey on your phone or computer.");
            try {
              const done = await work();
              show("done", "Signed in. Opening the console…");
              window.location.assign(done.location);
            } catch (error) {
              show("error", error.code ? error.message : browserMessage(error));
            } finally {
              button.disabled = false;
            }
          }
          const signIn = document.getElementById("passkey-sign-in");
          if (signIn) {
            signIn.addEventListener("click", function () {
              run(signIn, async function () {
                const options = await post("/console/sign-in/options", {});
                const credential = await navigator.credentials.get({
                  publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options.publicKey) });
                return post("/console/sign-in", credential.toJSON());
              });
            });
          }
          const invitation = document.getElementById("invitation");
          if (invitation) {
            invitation.addEventListener("submit", function (event) {
              event.preventDefault();
              const code = document.getElementById("code").value.trim();
              run(invitation.querySelector("button"), async function () {
                const options = await post("/console/invitation/options", { code: code });
                const credential = await navigator.credentials.create({
                  publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options.publicKey) });
                return post("/console/invitation", { code: code, credential: credential.toJSON() });
              });
            });
          }
          const csrf = document.querySelector('meta[name="csrf-token"]');
          const stepUp = document.getElementById("step-up");
          if (stepUp) {
            stepUp.addEventListener("click", async function () {
              if (!supported()) return;
              stepUp.disabled = true;
              show("working", "Touch your security key, or unlock your passkey.");
              try {
                const headers = { "Content-Type": "application/json", "X-CSRF-Token": csrf ? csrf.content : "" };
                const call = async function (path, body) {
                  const reply = await fetch(path, { method: "POST", headers: headers, body: JSON.stringify(body),
                                                    credentials: "same-origin", cache: "no-store" });
                  const data = await reply.json().catch(function () { return {}; });
                  if (!reply.ok) { const e = new Error(messages[data.code] || data.detail); e.code = data.code; throw e; }
                  return data;
                };
                const options = await call("/console/step-up/options", {});
                const credential = await navigator.credentials.get({
                  publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options.publicKey) });
                await call("/console/step-up", credential.toJSON());
                // A page that holds a change to save (a policy preview) stays, so the change is not lost.
                if (stepUp.dataset.stay) {
                  show("done", "Confirmed. Now save.");
                  stepUp.hidden = true;
                  return;
                }
                show("done", "Confirmed.");
                window.location.reload();
              } catch (error) {
                show("error", error.code ? error.message : browserMessage(error));
              } finally {
                stepUp.disabled = false;
              }
            });
          }
          const passBox = document.getElementById("pass-box");
          if (passBox) {
            let left = parseInt(passBox.dataset.hideAfter, 10) || 120;
            const countdown = document.getElementById("pass-countdown");
            const hide = function () {
              document.getElementById("pass-value").textContent = "Hidden. If the person did not get it, make a new pass.";
              passBox.dataset.hidden = "true";
              document.getElementById("pass-label").textContent = "The pass is no longer shown.";
              const print = document.getElementById("print-pass");
              if (print) print.remove();
              const qr = document.getElementById("pass-qr");
              if (qr) qr.remove();
            };
            const timer = window.setInterval(function () {
              left -= 1;
              if (countdown) countdown.textContent = String(Math.max(left, 0));
              if (left <= 0) { window.clearInterval(timer); hide(); }
            }, 1000);
          }
          const printButton = document.getElementById("print-pass");
          if (printButton) printButton.addEventListener("click", function () { window.print(); });
          const csvFile = document.getElementById("csv-file");
          if (csvFile) {
            csvFile.addEventListener("change", function () {
              const file = csvFile.files && csvFile.files[0];
              if (!file) return;
              file.text().then(function (text) { document.getElementById("csv").value = text; });
            });
          }
          const timeline = document.getElementById("timeline");
          if (timeline && window.EventSource) {
            const words = {
              "session.created": "Session created", "session.approved": "Approved", "session.rejected": "Rejected",
              "pass.issued": "Pass made", "pass.used": "Pass used to sign in", "pass.refused": "A wrong pass was typed",
              "pass.expired": "Pass expired", "pass.locked": "Pass locked after wrong tries", "pass.revoked": "Pass revoked",
              "device.enrolled": "Device enrolled", "key.registered": "Security key registered",
              "key.verified": "Security key proven", "session.completed": "Completed",
              "session.cancelled": "Cancelled", "session.abandoned": "Abandoned"
            };
            const states = { awaitingApproval: "Waiting for approval", pending: "Starting later",
                             active: "Pass ready to use", inProgress: "Enrollment under way", expired: "Pass expired",
                             lockedOut: "Locked out", completed: "Completed", cancelled: "Cancelled",
                             rejected: "Rejected", abandoned: "Abandoned" };
            const source = new EventSource(timeline.dataset.events);
            Object.keys(words).forEach(function (type) {
              source.addEventListener(type, function (message) {
                let event = {};
                try { event = JSON.parse(message.data); } catch (e) { event = {}; }
                const when = event.time ? new Date(event.time).toLocaleTimeString() : "";
                const item = document.createElement("li");
                item.dataset.type = type;
                item.textContent = (when ? when + " — " : "") + words[type];
                timeline.appendChild(item);
                const state = document.getElementById("session-state");
                if (state && states[event.state]) state.textContent = states[event.state];
                if (type === "session.completed" || type === "pass.revoked") {
                  const value = document.getElementById("pass-value");
                  if (value && !passBox.dataset.hidden) {
                    value.textContent = "Used up: the pass no longer works.";
                    passBox.dataset.hidden = "true";
                    const qr = document.getElementById("pass-qr");
                    if (qr) qr.remove();
                    document.getElementById("pass-label").textContent = "The enrollment is done.";
                  }
                }
              });
            });
          }
        })();

        """#
}
