"""scripts/console-admin-e2e's Policy steps: an override previewed, saved by two admins at once (the second
refused as stale, then saved on top), and then in force for new passes."""

from harness import api, check
from harness.pages import click, fill_and_submit, navigate

# The place whose override the steps change (console_admin_auditor opens it too).
PLACE = "/console/policy?site=bench-hel-1&scenario=deviceEnrollment"
SETTINGS_FORM = 'section[aria-labelledby="p-settings"] form'


def policy(run):
    ada, grace = run.browsers["ada"], run.browsers["grace"]
    run.page(ada, PLACE, "policy, override place")
    title = ada.devtools.evaluate("document.getElementById('p-settings').textContent")
    check(title == "Site bench-hel-1, device enrollment", f"the place is titled {title!r}")
    run.page(grace, PLACE, "policy, override place (second admin)")
    status, before = run.call("GET", "/v1/policy")
    check(status == 200 and "bench-hel-1" not in before.get("overrides", {}), f"GET /v1/policy: {status} {before}")

    landed = navigate(ada.devtools, fill_and_submit(SETTINGS_FORM, {"s.defaultMaxUses": "2"}))
    check(landed.status == 200, f"Ada's preview answered {landed.status}: {ada.text()[:300]}")
    effects = ada.devtools.evaluate("[...document.querySelectorAll('ul.effects li')].map(li => li.textContent)")
    words = "site bench-hel-1, device enrollment: sign-ins per pass, by default now 2 (was 1)"
    check(words in effects, f"the preview does not say {words!r}: {effects}")
    diff = ada.devtools.evaluate("document.querySelector('table').innerText")
    check("overrides.bench-hel-1.deviceEnrollment.defaultMaxUses" in diff, f"the preview's diff: {diff}")
    run.shot(ada, "console-policy-preview.png")
    run.checker.check(ada.devtools, "policy preview")

    landed = navigate(grace.devtools, fill_and_submit(SETTINGS_FORM, {"s.failedAttemptLimit": "3"}))
    check(landed.status == 200, f"Grace's preview answered {landed.status}: {grace.text()[:300]}")
    effects = grace.devtools.evaluate("[...document.querySelectorAll('ul.effects li')].map(li => li.textContent)")
    grace_words = "site bench-hel-1, device enrollment: wrong passes before lock-out now 3"
    check(any(e.startswith(grace_words) for e in effects), f"Grace's preview says {effects}")

    landed = run.writer.submit(ada, click("#save-policy"))
    check(landed.redirects and landed.redirects[0][0] == 303 and landed.status == 200
          and "/console/policy?saved=" in landed.url, f"Ada's save: {landed}")
    check("Saved: the policy is at version" in ada.text(), f"no saved notice: {ada.text()[:300]}")
    run.checker.check(ada.devtools, "policy saved")

    landed = run.writer.submit(grace, click("#save-policy"))
    check(landed.status == 412, f"Grace's stale save answered {landed.status}, not 412: {grace.text()[:300]}")
    page = grace.text()
    check("Not saved: the policy changed meanwhile" in page, f"the stale page says: {page[:400]}")
    theirs = grace.devtools.evaluate(
        "(document.querySelector('section[aria-labelledby=\"s-theirs\"]') || {innerText: ''}).innerText")
    check("by Ada Lovelace" in theirs and '"defaultMaxUses":2' in theirs,
          f"the stale page does not show Ada's change: {theirs!r}")
    yours = grace.devtools.evaluate(
        "[...document.querySelectorAll('section[aria-labelledby=\"s-yours\"] ul.effects li')]"
        ".map(l => l.textContent)")
    check(any(e.startswith(grace_words) for e in yours), f"the stale page's 'yours': {yours}")
    run.shot(grace, "console-policy-stale.png")
    run.checker.check(grace.devtools, "policy save refused as stale")
    status, middle = run.call("GET", "/v1/policy")
    place = middle["overrides"].get("bench-hel-1", {}).get("deviceEnrollment", {})
    check(place.get("defaultMaxUses") == 2 and "failedAttemptLimit" not in place,
          f"after the refused save the place holds {place}")

    landed = run.writer.submit(grace, click("#save-policy"))
    check(landed.status == 200 and "/console/policy?saved=" in (landed.url or ""), f"Grace's second save: {landed}")
    status, after = run.call("GET", "/v1/policy")
    place = after["overrides"]["bench-hel-1"]["deviceEnrollment"]
    check(place.get("defaultMaxUses") == 2 and place.get("failedAttemptLimit") == 3,
          f"after both saves the place holds {place}")
    run.page(ada, PLACE, "policy, override place saved")
    value = ada.devtools.evaluate("document.querySelector('input[name=\"s.defaultMaxUses\"]').value")
    check(value == "2", f"the form shows sign-ins per pass {value!r}")
    run.shot(ada, "console-policy.png", height=1500)
    run.close_browser("grace")
    return ("Policy: an override previewed in words and saved; two admins at once, the second refused (412) "
            "with the first's change shown, then saved on top")


def policy_in_force(run):
    made = {}
    for site, serial in (("bench-hel-1", "C02BENCH0001"), ("hel-2", "C02OTHER0002")):
        status, session = run.call("POST", "/v1/sessions", {
            "scenario": "deviceEnrollment", "userPrincipalName": "lin@contoso.example", "site": site,
            "device": {"serialNumber": serial, "platform": "macos"}, "reason": "admin pages e2e"})
        check(status == 201, f"a session at {site} answered {status}: {session}")
        made[site] = session
    uses = {site: session["pass"]["maxUses"] for site, session in made.items()}
    check(uses == {"bench-hel-1": 2, "hel-2": 1}, f"passes without maxUses admit {uses}")
    session = made["bench-hel-1"]
    run.facts["session"] = session["id"]
    for _ in range(2):
        status, redeemed = api.call(run.api_base, "POST", "/v1/redeem", {
            "userPrincipalName": "lin@contoso.example",
            "temporaryAccessPass": session["pass"]["temporaryAccessPass"]})
        check(status == 200, f"the bench-hel-1 pass did not redeem: {status} {redeemed}")
    status, _ = api.call(run.api_base, "POST", "/v1/enrollment/device", {"serialNumber": "C02BENCH0001"},
                         redeemed["sessionToken"])
    check(status == 200, f"device check-in answered {status}")
    return ("the saved override in force: a pass at bench-hel-1 admits 2 sign-ins (used twice), one at hel-2 "
            "admits 1")
