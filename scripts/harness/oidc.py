"""A real OpenID provider on loopback for the console's single sign-on tests, and the code flow driven without
a browser (to replay its callback)."""

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

from harness import Failure, check, server


class Provider:
    """A real OpenID provider on loopback (PyPI oidc-provider-mock, installed by .ci/run): discovery, RS256 ID
    tokens, an authorization form that asks for the subject, and users whose claims the test sets."""

    def __init__(self, work):
        self.port = server.free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.log = open(os.path.join(work, "provider.log"), "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "oidc_provider_mock", "--host", "127.0.0.1", "--port", str(self.port)],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.issuer + "/.well-known/openid-configuration", timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        raise Failure("the OpenID provider did not start (pip install oidc-provider-mock==0.3.4)")

    def user(self, sub, claims):
        request = urllib.request.Request(f"{self.issuer}/users/{urllib.parse.quote(sub)}", method="PUT",
                                         data=json.dumps(claims).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=5) as response:
            check(response.status == 204, f"the provider did not take {sub}'s claims")

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def sso_by_hand(base, provider, sub):
    """The code flow without a browser, to replay its callback: the callback URL and the state cookie."""
    opener = urllib.request.build_opener(NoRedirects)

    def fetch(url, data=None, cookie=None):
        request = urllib.request.Request(url, data=data)
        if cookie:
            request.add_header("Cookie", cookie)
        try:
            with opener.open(request, timeout=10) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    status, headers, _ = fetch(base + "/console/sso")
    check(status == 303, f"/console/sso answered {status}")
    cookie = headers["Set-Cookie"].split(";")[0]
    status, headers, _ = fetch(headers["Location"], urllib.parse.urlencode({"sub": sub}).encode())
    check(status in (302, 303), f"the provider's form answered {status}")
    return fetch, headers["Location"], cookie
