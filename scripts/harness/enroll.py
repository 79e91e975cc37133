"""The `/enroll` page in headless Chromium with a DevTools WebAuthn virtual authenticator (CTAP2, USB, user
verification), typed at as a user would."""

import json
import os
import tempfile
import time

from harness import check, chromium


# The browsers the page must work in: a kiosk's desktop-sized screen, and a phone (small, touch, high density).
SCREENS = {
    "kiosk": {"width": 1280, "height": 1024, "deviceScaleFactor": 1, "mobile": False},
    "phone": {"width": 390, "height": 844, "deviceScaleFactor": 3, "mobile": True},
}


class EnrollPage:
    """One browser on the page; `devtools.events` collects console and log entries (a CSP violation among them),
    and `authenticator` is the virtual authenticator's id."""

    def __init__(self, browser, work, url, screen="kiosk"):
        self.devtools = chromium.DevTools(browser, tempfile.mkdtemp(prefix="enroll-chromium-", dir=work))
        self.devtools.attach_tab()
        self.devtools.send("WebAuthn.enable", {})
        self.authenticator = self.devtools.send("WebAuthn.addVirtualAuthenticator", {"options": {
            "protocol": "ctap2", "transport": "usb", "hasResidentKey": True, "hasUserVerification": True,
            "isUserVerified": True, "automaticPresenceSimulation": True}})["authenticatorId"]
        self.devtools.send("Runtime.enable", {})
        self.devtools.send("Log.enable", {})
        self.devtools.send("Page.enable", {})
        self.devtools.send("Emulation.setDeviceMetricsOverride", SCREENS[screen])
        self.devtools.send("Emulation.setTouchEmulationEnabled", {"enabled": SCREENS[screen]["mobile"]})
        self.devtools.send("Page.navigate", {"url": url})
        for _ in range(200):
            if self.devtools.evaluate("document.readyState") == "complete":
                break
            time.sleep(0.05)
        check(self.devtools.evaluate("document.getElementById('status').dataset.state") == "idle",
              "the enrollment page did not load")

    def submit(self, user, pass_text):
        """Types the user and pass, presses the button, and answers the page's verdict: (state, text)."""
        self.devtools.evaluate(f"""(() => {{
            document.getElementById('status').dataset.state = 'idle';
            document.getElementById('upn').value = {json.dumps(user)};
            document.getElementById('pass').value = {json.dumps(pass_text)};
            document.getElementById('start').click();
        }})()""")
        state = text = None
        for _ in range(600):
            state, text = self.devtools.evaluate(
                "[document.getElementById('status').dataset.state, document.getElementById('status').textContent]")
            if state in ("done", "error"):
                break
            time.sleep(0.05)
        return state, text

    def accepted_keys(self):
        """The lines of the page's "Security keys accepted here" list, or None when it is hidden."""
        return self.devtools.evaluate(
            "document.getElementById('accepted').hidden ? null : "
            "Array.from(document.querySelectorAll('#accepted-list li')).map(li => li.textContent)")

    def screenshot(self, path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        self.devtools.screenshot(path)

    def close(self):
        self.devtools.close()
