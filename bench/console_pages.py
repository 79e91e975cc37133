"""The console's pages timed on a running server (bench/scale calls this at a million sessions): a help-desk
person and an admin signed in through a real OpenID provider on loopback (PyPI oidc-provider-mock, as
scripts/console-e2e uses), then every page the help desk opens, the find page by user, serial, state, site and day
included, and every admin page, the audit search by session, user, type, site and day and a session's trail
included, each fetched `REQUESTS` times over one keep-alive connection. Not a test: nothing is asserted but that
each page answered 200.
"""
import datetime, http.client, importlib.util, os, statistics, time, urllib.parse

from harness.oidc import Provider, sso_by_hand

REQUESTS = 100
COOKIE = "__Host-tapstation_console"


def available():
    return importlib.util.find_spec("oidc_provider_mock") is not None


class Console:
    """The OpenID provider and the settings a server needs to sign a help-desk person in through it."""

    def __init__(self, work):
        self.provider = Provider(work)
        self.provider.user("desk@scale.example", {"preferred_username": "desk@scale.example", "name": "Bench Desk",
                                                  "groups": ["tap-helpdesk"]})
        self.provider.user("boss@scale.example", {"preferred_username": "boss@scale.example", "name": "Bench Admin",
                                                  "groups": ["tap-admin"]})
        self.secret = os.path.join(work, "oidc-secret")
        with open(self.secret, "w") as out:
            out.write("bench-client-secret\n")
        os.chmod(self.secret, 0o600)

    def env(self, port):
        base = f"http://127.0.0.1:{port}"
        return {"TAPSTATION_OIDC_ISSUER": self.provider.issuer, "TAPSTATION_OIDC_CLIENT_ID": "tapstation",
                "TAPSTATION_OIDC_CLIENT_SECRET_FILE": self.secret, "TAPSTATION_OIDC_ROLE_MAP": "tap-helpdesk=helpdesk;tap-admin=admin",
                "TAPSTATION_OIDC_REDIRECT_URI": base + "/console/sso/callback"}

    def stop(self):
        self.provider.stop()

    def sign_in(self, port, person="desk@scale.example"):
        """The console cookie of `person` (the help-desk one unless told), after the code flow driven by hand."""
        fetch, callback, state = sso_by_hand(f"http://127.0.0.1:{port}", self.provider, person)
        status, headers, body = fetch(callback, cookie=state)
        if status != 200:
            raise SystemExit(f"console sign-in answered {status}: {body[:200]}")
        for header in headers.get_all("Set-Cookie") or []:
            name, _, value = header.split(";")[0].partition("=")
            if name == COOKIE and value:
                return value
        raise SystemExit("console sign-in set no console cookie")


def day_of(session_id):
    """The UTC day an id was made (its first 48 bits are milliseconds since 1970)."""
    millis = int(session_id.replace("-", "")[:12], 16)
    return datetime.datetime.fromtimestamp(millis / 1000, datetime.timezone.utc).date().isoformat()


def pages(session_id, user, serial, site):
    quoted = urllib.parse.quote(user, safe="")
    day = day_of(session_id)
    return [
        ("sign-in (no cookie)", "/console/sign-in", False), ("home", "/console", True),
        ("new pass form", "/console/new", True), ("approvals", "/console/approvals", True),
        ("find, no filter", "/console/find", True), ("find by user", f"/console/find?user={quoted}", True),
        ("find by serial", f"/console/find?serial={serial}", True),
        ("find by state", "/console/find?state=completed", True),
        ("find by site and state", f"/console/find?site={site}&state=cancelled", True),  # a site with some
        ("find by day", f"/console/find?before={day}", True),
        ("session page", f"/console/sessions/{session_id}", True), ("user page", f"/console/users/{quoted}", True),
        ("passkeys", "/console/passkeys", True),
    ]


def admin_pages(session_id, user, site):
    quoted = urllib.parse.quote(user, safe="")
    day = day_of(session_id)
    return [
        ("policy", "/console/policy"), ("policy of a site", f"/console/policy?site={site}&scenario=deviceEnrollment"),
        ("people and machines", "/console/people"), ("webhooks", "/console/webhooks"), ("keys", "/console/keys"),
        ("service", "/console/service"), ("audit, no filter", "/console/audit"),
        ("audit by session", f"/console/audit?session={session_id}"), ("audit by user", f"/console/audit?user={quoted}"),
        ("audit by type", "/console/audit?type=session.cancelled"), ("audit by site", f"/console/audit?site={site}"),
        ("audit by site with none", "/console/audit?site=nowhere"), ("audit by day", f"/console/audit?from={day}&to={day}"),
        ("a session's trail", f"/console/audit/sessions/{session_id}"),
    ]


def measure(port, cookie, session_id, user, serial, site, label, report, admin_cookie=None):
    connection = http.client.HTTPConnection("127.0.0.1", port)
    everything = [(name, path, cookie if signed_in else None) for name, path, signed_in in pages(session_id, user, serial, site)]
    if admin_cookie:
        everything += [(name, path, admin_cookie) for name, path in admin_pages(session_id, user, site)]
    for name, path, signed_in in everything:
        headers = {"Cookie": f"{COOKIE}={signed_in}"} if signed_in else {}
        timings = []
        for _ in range(REQUESTS):
            start = time.perf_counter()
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            body = response.read()
            timings.append((time.perf_counter() - start) * 1000)
            if response.status != 200 or b"</html>" not in body:
                raise SystemExit(f"GET {path} answered {response.status}: {body[:200]}")
        timings.sort()
        report(f"{label}: console {name}: median {statistics.median(timings):.2f} ms, "
               f"p95 {timings[int(len(timings) * 0.95) - 1]:.2f} ms ({len(body) / 1024:.0f} KiB)")
    connection.close()
