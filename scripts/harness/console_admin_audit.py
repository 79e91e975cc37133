"""scripts/console-admin-e2e's Keys, Audit and Service steps: a key revoked with a reason, a session's trail
(by search and as JSON lines), the chain verified, the service page."""

import json
import urllib.parse

from harness import check
from harness.pages import click, fill_and_submit, navigate

# The event types of the rows of an audit table, in order.
AUDIT_TYPES = "[...document.querySelectorAll('table.audit tbody tr')].map(r => r.cells[2].innerText)"


def revoke_key(run):
    user = "kim@contoso.example"
    status, session = run.call("POST", "/v1/sessions", {
        "scenario": "fido2Registration", "userPrincipalName": user, "reason": "admin pages e2e",
        "pass": {"preset": "fido2-key"}})
    check(status == 201, f"a key session answered {status}: {session}")
    device = run.open_browser("key")
    device.open("/enroll")
    device.devtools.evaluate(f"""(() => {{
        document.getElementById('upn').value = {json.dumps(user)};
        document.getElementById('pass').value = {json.dumps(session['pass']['temporaryAccessPass'])};
        document.getElementById('start').click();
    }})()""")
    device.devtools.wait_for("['done', 'error'].includes(document.getElementById('status').dataset.state)", 30)
    state, text = device.devtools.evaluate(
        "[document.getElementById('status').dataset.state, document.getElementById('status').textContent]")
    check(state == "done", f"/enroll ended in {state}: {text}")
    run.close_browser("key")
    status, keys = run.call("GET", f"/v1/keys?userPrincipalName={user}")
    check(status == 200 and len(keys["items"]) == 1, f"GET /v1/keys: {status} {keys}")
    key = keys["items"][0]["id"]

    ada = run.browsers["ada"]
    run.page(ada, "/console/keys", "keys")
    check(ada.devtools.evaluate(f"document.getElementById('key-{key}') !== null"),
          "the key is not on /console/keys")
    run.page(ada, f"/console/keys?user={urllib.parse.quote(user)}", "keys of one user")
    run.shot(ada, "console-keys.png")
    reason = "lost on the train"
    landed = run.writer.submit(ada, fill_and_submit(f"#key-{key} form", {"reason": reason}))
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(landed.url or "").query)
    check(landed.redirects and landed.redirects[0][0] == 303 and landed.status == 200
          and query == {"user": [user], "revoked": ["1"]}, f"revoking: {landed}")
    check("The key is revoked" in ada.text(), f"no notice after revoking: {ada.text()[:300]}")
    check(ada.devtools.evaluate(f"document.getElementById('key-{key}') === null"), "the key is still listed")
    run.checker.check(ada.devtools, "keys, revoked")
    status, keys = run.call("GET", f"/v1/keys?userPrincipalName={user}")
    check(status == 200 and keys["items"] == [], f"GET /v1/keys after revoking: {status} {keys}")
    status, audit = run.call("GET", "/v1/audit?type=key.deleted&limit=10")
    check(status == 200, f"GET /v1/audit answered {status}")
    data = [e.get("data") for e in audit["items"]]
    data = [json.loads(d) if isinstance(d, str) else d for d in data]
    check(any(d.get("reason") == reason and d.get("channel") == "console" for d in data),
          f"no key.deleted with the reason and the console channel: {data}")
    run.facts["key"] = key
    return ("Keys: a key registered through /enroll revoked with a reason; gone from the page and GET /v1/keys; "
            "audited")


def trail(run):
    ada = run.browsers["ada"]
    sid = run.facts["session"]
    run.page(ada, f"/console/audit/sessions/{sid}", "session trail")
    types = ada.devtools.evaluate(AUDIT_TYPES)
    for expected in ("session.created", "pass.issued", "pass.used", "device.enrolled", "session.completed",
                     "pass.revoked"):
        check(expected in types, f"the trail lacks {expected}: {types}")
    check(types.count("pass.used") == 2, f"the trail has {types.count('pass.used')} pass.used, not 2: {types}")
    check("Completed" in ada.text() and "bench-hel-1" in ada.text(), f"the trail's heading: {ada.text()[:300]}")
    run.shot(ada, "console-audit-trail.png")
    run.page(ada, f"/console/audit?session={sid}", "audit search by session")
    found = ada.devtools.evaluate(AUDIT_TYPES)
    check(sorted(found) == sorted(types), f"the search by session finds {found}, the trail {types}")
    status, text = ada.devtools.evaluate(f"""fetch('/console/audit/export?session={sid}', {{cache: 'no-store'}})
        .then(async r => [r.status, await r.text()])""")
    lines = [json.loads(line) for line in text.splitlines() if line]
    check(status == 200 and [e["type"] for e in lines] == types and all(e["sessionId"] == sid for e in lines),
          f"the export answered {status}: {[e.get('type') for e in lines]}")
    return "Audit: one session's whole trail, the same events by search and as JSON lines"


def verify_chain(run):
    ada = run.browsers["ada"]
    run.page(ada, "/console/audit", "audit")
    landed = navigate(ada.devtools, click("form[action='/console/audit/verify'] button"))
    result = run.text_of(ada, "chain-result")
    check(landed.status == 200 and result.startswith("The chain is intact:")
          and "reaches the anchor kept outside the database" in result, f"verify: {landed.status} {result!r}")
    run.checker.check(ada.devtools, "audit, chain verified")
    run.shot(ada, "console-audit-verified.png")
    run.page(ada, "/console/service", "service")
    facts = ada.devtools.evaluate(
        "Object.fromEntries([...document.querySelectorAll('dl.facts dt')].map(d => [d.textContent,"
        " d.nextElementSibling.textContent]))")
    check(facts.get("Readiness") == "ready" and facts.get("TapStation") and "Last backup" in facts
          and facts.get("Audit anchor") == "kept outside the database", f"the service page says {facts}")
    run.shot(ada, "console-service.png")
    return "Audit: the chain verified from the page, intact; Service: ready, storage, backup and version shown"
