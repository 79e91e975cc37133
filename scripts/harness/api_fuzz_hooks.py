"""Schemathesis hooks of scripts/api-fuzz, which copies this file to its work directory and names it in the
config file; loaded by schemathesis, never imported by the harness (so not standard library only).

The auth provider sends the fuzzed operator's token; the seeded session tokens on the device check-in and the
FIDO2 ceremony routes; the seeded relying-party token on the sign-in routes.
When the run rotates its own token (POST /v1/operators/me/rotate, possibly with no grace period), the
provider follows to the new token, so that the rest of the run is still authenticated.

`filter_failure`, for the one check whose premise a static schema cannot fully meet here:
`positive_data_acceptance` says a schema-valid request must not get 400, 422 or 423, but a few refusals
depend on what the server holds at that moment, which no static schema can know: the live policy (its
bounds and consistency, which the admin run itself patches, and whether it requires proofing), an
idempotency key used before, a user locked out of issuance, a preset the policy lacks, an expiration that
is not in the future. Exactly these, by status and problem `code` (and `field` for the 400s), are listed
below and dropped; schemathesis counts them as "filtered" and this script lists them by kind. Any other
refusal of a schema-valid request still fails the run, and every other check is untouched.

`before_call`, so that creates reach the store: see its comment.
"""

import hashlib
import json
import os
import re

import schemathesis
from schemathesis.openapi.checks import RejectedPositiveData

STATE_DEPENDENT = {
    # The live policy: its bounds and consistency, and whether it requires proofing and which methods.
    (422, "policy_violation"), (422, "proofing_required"), (422, "proofing_method_not_accepted"),
    # A key used before with another body.
    (422, "idempotency_conflict"),
    # The user was locked out of issuance by PUT /v1/users/{userPrincipalName}/issuance-lock.
    (423, "issuance_locked"),
    # An `If-Match` naming a policy version other than the one in force (PATCH /v1/policy).
    (412, "policy_changed"),
}
STATE_DEPENDENT_400 = {
    # The preset is not one the live policy has (presets are added and removed with PATCH /v1/policy).
    ("POST /v1/sessions", r"pass\.preset"): None,
    ("POST /v1/sessions/{id}/pass", r"pass\.preset"): None,
    # `isUsableOnce: false` without `maxUses`, where the preset or policy default is 1 use.
    ("POST /v1/sessions", r"pass\.isUsableOnce"): "false needs",
    ("POST /v1/sessions/{id}/pass", r"pass\.isUsableOnce"): "false needs",
    # An expiration that is not in the future (relative to the server's clock).
    ("POST /v1/operators", r"expirationDateTime"): "in the future",
    # A preset the policy does not have yet needs a title (an existing one can be patched without).
    ("PATCH /v1/policy", r"presets\.[a-z0-9._-]{1,64}\.title"): None,
}


TOKENS = {}


def tokens():
    if not TOKENS:
        with open(os.environ["API_FUZZ_OPERATOR_TOKEN_FILE"]) as text:
            TOKENS["operator"] = text.read().strip()
        TOKENS["session"] = os.environ["API_FUZZ_SESSION_TOKEN"]
        TOKENS["fido2"] = os.environ["API_FUZZ_FIDO2_SESSION_TOKEN"]
        TOKENS["relyingParty"] = os.environ["API_FUZZ_RELYING_PARTY_TOKEN"]
    return TOKENS


def token_kind(label):
    """Which credential an operation takes: the fuzzed operator's, or the seeded one its route needs."""
    if label == "POST /v1/enrollment/device":
        return "session"
    if label.startswith("POST /v1/enrollment/fido2"):
        return "fido2"
    if label.startswith("POST /v1/assertions/"):
        return "relyingParty"
    return "operator"


@schemathesis.auth(refresh_interval=None, retry_on=[])
class Tokens:
    def get(self, case, context):
        return tokens()[token_kind(context.operation.label)]

    def set(self, case, data, context):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"


ROTATIONS = {"/v1/operators/me/rotate", "/v1/operators/{id}/rotate"}


@schemathesis.hook
def after_call(context, case, response):
    if case.method.upper() != "POST" or case.path not in ROTATIONS or response.status_code != 200:
        return
    try:
        answer = response.json()
    except Exception:
        return
    if isinstance(answer, dict) and (answer.get("operator") or {}).get("id") == os.environ["API_FUZZ_OPERATOR_ID"]:
        tokens()["operator"] = answer["token"]
        # The next pass (another process) and the script go on with the new token.
        with open(os.environ["API_FUZZ_OPERATOR_TOKEN_FILE"], "w") as text:
            text.write(answer["token"])


IDEMPOTENCY_KEY = re.compile(r"[!-~]{1,200}")


@schemathesis.hook
def before_call(context, case, kwargs):
    # The coverage phase keeps one Idempotency-Key while it varies the body, so every create after the first
    # would be 422 `idempotency_conflict` and never reach the store. A valid key gets a digest of the body
    # appended: the same body with the same key is still replayed (201, `Idempotent-Replayed: true`), and
    # every other body is really created. Invalid keys are left alone for the server to refuse.
    if case.method.upper() != "POST" or case.path != "/v1/sessions" or not case.headers:
        return
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return
    for name, value in list(case.headers.items()):
        if name.lower() == "idempotency-key" and isinstance(value, str) and IDEMPOTENCY_KEY.fullmatch(value):
            body = json.dumps(case.body, sort_keys=True, default=str) if case.body is not None else ""
            case.headers[name] = value[:183] + "." + hashlib.sha256(body.encode()).hexdigest()[:16]


# The WebAuthn ceremonies: a schema-valid credential JSON is still refused (400 `webauthn_*`) unless a real
# authenticator signed it for the challenge the server issued, which no static schema can describe. The fuzzer
# still checks these routes for 5xx, documented codes and conformance; Tests/TapHTTPTests/FIDO2FlowTests.swift
# and scripts/fido2-e2e make the genuine answers.
WEBAUTHN_CEREMONIES = {"POST /v1/enrollment/fido2", "POST /v1/enrollment/fido2/assertion", "POST /v1/assertions/verify"}


def state_dependent(case, response):
    try:
        problem = response.json()
    except Exception:
        return None
    if not isinstance(problem, dict):
        return None
    code, field, detail = problem.get("code"), problem.get("field") or "", problem.get("detail") or ""
    label = f"{case.method.upper()} {case.path}"
    if (response.status_code, code) in STATE_DEPENDENT:
        return label, code, field
    if response.status_code == 400 and str(code).startswith("webauthn_") and label in WEBAUTHN_CEREMONIES:
        return label, code, field
    if response.status_code == 400 and code == "invalid_request":
        for (operation, pattern), needle in STATE_DEPENDENT_400.items():
            if operation == label and re.fullmatch(pattern, field) and (needle is None or needle in detail):
                return label, code, field
    return None


@schemathesis.hook
def filter_failure(context, failure, case, response):
    if not isinstance(failure, RejectedPositiveData):
        return True
    dropped = state_dependent(case, response)
    if dropped is None:
        return True
    with open(os.environ["API_FUZZ_DROPPED"], "a") as log:
        log.write(json.dumps(dropped) + "\n")
    return False
