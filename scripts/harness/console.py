"""The console in headless Chromium for scripts/console-e2e: a tab with a WebAuthn virtual authenticator, a page
on another origin that posts a form to the console, and the single sign-on refusals driven without a browser."""

import http.server
import json
import threading
import time

from harness import check, chromium
from harness.oidc import sso_by_hand

COOKIE = "__Host-tapstation_console"
BROWSER_FLAGS = ["--no-default-browser-check", "--disable-sync", "--disable-background-networking",
                 "--disable-component-update", "--hide-scrollbars", "--force-device-scale-factor=1"]


class Console:
    """One Chromium tab with a virtual authenticator, on the console at `base`."""

    def __init__(self, browser, profile, base):
        self.base = base
        self.devtools = chromium.DevTools(browser, profile, BROWSER_FLAGS)
        self.devtools.open_tab(1280, 900)
        for domain in ("Runtime", "Log", "Network", "WebAuthn"):
            self.devtools.send(f"{domain}.enable", {})
        self.authenticator = self.devtools.send("WebAuthn.addVirtualAuthenticator", {"options": {
            "protocol": "ctap2", "transport": "internal", "hasResidentKey": True, "hasUserVerification": True,
            "isUserVerified": True, "automaticPresenceSimulation": True}})["authenticatorId"]

    def open(self, path):
        self.devtools.navigate(self.base + path)
        return self.path()

    def path(self):
        return self.devtools.evaluate("location.pathname")

    def text(self):
        return self.devtools.evaluate("document.body ? document.body.innerText : ''")

    def status(self):
        """Waits for the page's status line to settle on done or error; its state and text."""
        for _ in range(300):
            state, text = self.devtools.evaluate(
                "(() => { const s = document.getElementById('status'); return s ? [s.dataset.state, s.textContent]"
                " : ['gone', location.pathname]; })()")
            if state in ("done", "error", "gone"):
                return state, text
            time.sleep(0.05)
        return state, text

    def wait_path(self, path):
        self.devtools.wait_for(f"location.pathname === {json.dumps(path)} && document.readyState === 'complete'")

    def cookies(self):
        return [c for c in self.devtools.send("Network.getCookies", {"urls": [self.base + "/"]})["cookies"]
                if c["name"] == COOKIE]

    def csp_violations(self):
        return [e for e in self.devtools.events if "Content Security Policy" in json.dumps(e)]

    def close(self):
        self.devtools.close()


def cross_site_page(target):
    """An HTTP server on another origin (127.0.0.1, another port) whose page posts a sign-out form to `target`."""
    page = f"""<!DOCTYPE html><html><body><form id="f" method="post" action="{target}/console/sign-out">
<input type="hidden" name="csrf" value="guessed"></form><script>document.getElementById('f').submit()</script>
</body></html>""".encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the standard library's name
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


def check_sso_refusals(base, provider, data):
    """A replayed callback, another browser's state, a provider error: each a page and an audit event."""
    fetch, callback, cookie = sso_by_hand(base, provider, "alan@contoso.example")
    status, _, page = fetch(callback, cookie=cookie)
    check(status == 200 and b"Signed in" in page, f"the callback answered {status}")
    status, _, page = fetch(callback, cookie=cookie)
    check(status == 400 and b"state_unknown_or_replayed" in page, f"a replayed callback answered {status}")
    fetch, callback, _ = sso_by_hand(base, provider, "alan@contoso.example")
    status, _, page = fetch(callback, cookie="__Host-tapstation_sso=" + "0" * 64)
    check(status == 400, f"a callback with another browser's state answered {status}")
    # The error's value comes from the browser: a line break in it must not forge a line of the log.
    status, _, page = fetch(base + "/console/sso/callback?error=access_denied%0Aforged-log-line&state=x")
    check(status == 401 and b"access_denied" in page, f"a provider error answered {status}")
