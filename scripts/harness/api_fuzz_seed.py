"""scripts/api-fuzz's seed data: sessions in every state, operators, approvals, so that the fuzzer's list and
read answers are checked on real data."""

import json
import time

from harness.api import call as http


class SetupError(Exception):
    """The run could not be set up (the server, the CLI or the seeding failed)."""


class Seeder:
    """Sessions in every reachable state at `site-1` (the kiosk's) and one at `default`, plus operators, so that
    lists, reads and the audit trail are checked on real data. Returns live session tokens of a
    `deviceEnrollment` session (for the device check-in) and of a `fido2Registration` session (for the key
    ceremony), and a `relyingParty` token of site-1 (for sign-in verification)."""

    def __init__(self, base, token, approver):
        self.base = base
        self.token = token
        self.approver = approver

    def call(self, method, path, body=None, expect=(200, 201), token=True):
        status, answer = http(self.base, method, path, body, self.token if token else None)
        if status not in expect:
            raise SetupError(f"seeding: {method} {path} answered {status}: {json.dumps(answer)[:300]}")
        return answer

    def session(self, user, scenario="deviceEnrollment", serial=None, site="site-1", **extra):
        body = {"scenario": scenario, "userPrincipalName": user, "site": site, **extra}
        if serial:
            body["device"] = {"serialNumber": serial, "platform": "ipados", "model": "iPad (10th gen)", "assetTag": "A-1"}
        return self.call("POST", "/v1/sessions", body)

    def redeem(self, user, value, expect=(200,)):
        return self.call("POST", "/v1/redeem", {"userPrincipalName": user, "temporaryAccessPass": value}, expect, token=False)

    def seed(self):
        # The policy's bounds become the spec's hard limits (lifetime 10-43200 minutes, 1-10 uses), so that
        # schema-valid pass terms are granted and the fuzzer reaches past the policy check.
        # Users matching `seed-vip*` are privileged: their sessions wait for a second operator.
        self.call("PATCH", "/v1/policy", {"defaults": {"maximumLifetimeInMinutes": 43200, "maximumUses": 10},
                                          "privilegedSubjects": ["seed-vip*@contoso.example"]})
        bench = self.call("POST", "/v1/operators", {"name": "bench 1", "role": "bench", "site": "site-1",
                                                    "allowedSubjects": ["*@contoso.example"], "allowedSources": ["127.0.0.0/8", "::1"]})
        self.call("POST", f"/v1/operators/{bench['operator']['id']}/rotate", {"graceMinutes": 5})
        self.call("POST", "/v1/operators", {"name": "auditor", "role": "auditor", "userPrincipalName": "audit@contoso.example",
                                            "expirationDateTime": "2099-01-01T00:00:00Z"})
        self.call("POST", "/v1/operators", {"name": "second admin", "role": "admin"})
        approver = self.approver

        # inProgress, with a live session token for the check-in route.
        live = self.session("seed-device@contoso.example", serial="SEED-DEVICE-1", reason="seed: in progress",
                            proofing={"method": "inPerson", "checkedBy": "tech@contoso.example", "reference": "seed"},
                            **{"pass": {"maxUses": 2}})
        session_token = self.redeem("seed-device@contoso.example", live["pass"]["temporaryAccessPass"])["sessionToken"]
        # completed by the device's check-in, so the device has an MDM id and a last-seen time.
        done = self.session("seed-enrolled@contoso.example", serial="SEED-DEVICE-2")
        token = self.redeem("seed-enrolled@contoso.example", done["pass"]["temporaryAccessPass"])["sessionToken"]
        status, answer = http(self.base, "POST", "/v1/enrollment/device",
                              {"serialNumber": "seed-device-2", "mdmDeviceId": "mdm-42"}, token)
        if status != 200:
            raise SetupError(f"seeding: device check-in answered {status}: {json.dumps(answer)[:300]}")
        # active (fido2), pending (starts tomorrow), cancelled, completed by hand.
        self.session("seed-fido@contoso.example", scenario="fido2Registration", **{"pass": {"preset": "fido2-key"}})
        start = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 86400))
        self.session("seed-pending@contoso.example", serial="SEED-DEVICE-3", **{"pass": {"startDateTime": start}})
        cancelled = self.session("seed-cancelled@contoso.example", serial="SEED-DEVICE-4")
        self.call("POST", f"/v1/sessions/{cancelled['id']}/cancel", {"reason": "seed: cancelled"})
        completed = self.session("seed-completed@contoso.example", scenario="fido2Registration")
        self.call("POST", f"/v1/sessions/{completed['id']}/complete")
        # lockedOut: wrong passes for one user up to the policy's limit, lowered to 2 for the moment (from one
        # address, the throttle answers 429 long before the standard limit of 10; that is the point of it).
        limit = self.call("GET", "/v1/policy")["defaults"]["failedAttemptLimit"]
        self.call("PATCH", "/v1/policy", {"defaults": {"failedAttemptLimit": 2}})
        self.session("seed-locked@contoso.example", serial="SEED-DEVICE-5")
        for _ in range(2):
            self.redeem("seed-locked@contoso.example", "WRONG-WRONG-WRON", expect=(401,))
        self.call("PATCH", "/v1/policy", {"defaults": {"failedAttemptLimit": limit}})
        # Another site's session: visible to the admin, 404 for the kiosk.
        self.session("seed-elsewhere@contoso.example", serial="SEED-DEVICE-6", site="default")
        # Four-eyes: one waiting, one approved and not collected, one collected, one rejected.
        self.session("seed-vip1@contoso.example", scenario="fido2Registration")
        waiting = [self.session(f"seed-vip{n}@contoso.example", scenario="fido2Registration") for n in (2, 3, 4)]
        proofing = {"method": "videoCall", "checkedBy": "approver@contoso.example", "reference": "badge, last digits 4821"}
        for session, decision, body in zip(waiting, ("approve", "approve", "reject"),
                                           ({"proofing": proofing}, {}, {"reason": "seed: not this one"})):
            status, answer = http(self.base, "POST", f"/v1/approvals/{session['id']}/{decision}", body, approver)
            if status != 200:
                raise SetupError(f"seeding: {decision} answered {status}: {json.dumps(answer)[:300]}")
        self.call("POST", f"/v1/sessions/{waiting[1]['id']}/pass")
        # A user locked out of issuance.
        self.call("PUT", "/v1/users/seed-incident@contoso.example/issuance-lock", {"minutes": 60, "reason": "seed: lost phone"})
        # A FIDO2 registration under way, for the ceremony routes, and a relying party of site-1 for sign-ins.
        fido2 = self.session("seed-fido-live@contoso.example", scenario="fido2Registration", **{"pass": {"preset": "fido2-key"}})
        fido2_token = self.redeem("seed-fido-live@contoso.example", fido2["pass"]["temporaryAccessPass"])["sessionToken"]
        relying_party = self.call("POST", "/v1/operators", {"name": "sign-in app", "role": "relyingParty", "site": "site-1"})["token"]
        states = sorted({item["state"] for item in self.call("GET", "/v1/sessions?limit=200")["items"]})
        print(f"seeded sessions in states: {', '.join(states)}", flush=True)
        return session_token, fido2_token, relying_party
