"""scripts/console-admin-e2e's auditor step: an auditor reads every admin page, and each write he posts is
refused (403) with nothing changed."""

import json
import time

from harness import check
from harness.console_admin_policy import PLACE
from harness.pages import post_form, post_form_navigating, visit


def auditor(run):
    ada = run.browsers["ada"]
    run.page(ada, "/console/people", "people, before the auditor")
    code = run.invite(ada, "Alan Turing", "alan@contoso.example", "auditor")
    alan = run.open_browser("alan")
    run.register(alan, code, "Alan Turing · auditor · every site")
    hook = run.facts["webhook"]
    run.page(alan, PLACE, "auditor: policy")
    check("You see the policy read-only" in alan.text(), "the auditor's policy page does not say read-only")
    version = alan.devtools.evaluate("document.querySelector('input[name=version]').value")
    check(alan.devtools.evaluate("document.querySelector('#save-policy, main button.primary') === null"),
          "the auditor is offered a policy button")
    run.page(alan, "/console/people", "auditor: people")
    check(alan.devtools.evaluate("document.querySelector('#invite, #machine, form[action^=\"/console/people/\"]')"
                                 " === null"), "the auditor is offered a people form")
    run.page(alan, "/console/webhooks", "auditor: webhooks")
    shown = alan.devtools.evaluate("document.querySelector('tbody th a').textContent")
    check(shown == "http://127.0.0.1/…" and alan.devtools.evaluate("document.getElementById('webhook') === null"),
          f"the auditor sees the webhook as {shown!r}, or a form")
    run.page(alan, f"/console/webhooks/{hook}", "auditor: webhook")
    check(alan.devtools.evaluate("document.querySelector('main form') === null"),
          "the auditor's webhook page has forms")
    run.page(alan, "/console/keys", "auditor: keys")
    run.page(alan, f"/console/audit/sessions/{run.facts['session']}", "auditor: trail")
    run.page(alan, "/console/service", "auditor: service")
    run.page(alan, "/console/audit", "auditor: audit")

    def state():
        """The policy, people and machines, webhooks, and the ids of the webhook's deliveries."""
        policy, operators, hooks = [run.call("GET", path)[1] for path in
                                    ("/v1/policy", "/v1/operators?limit=100", "/v1/webhooks")]
        deliveries = run.call("GET", f"/v1/webhooks/{hook}/deliveries?limit=100")[1]
        return policy, operators, hooks, sorted(d["id"] for d in deliveries["items"])

    # The key session's events are still being sent to the webhook, maybe: wait until none is pending.
    deadline = time.monotonic() + 15
    while run.call("GET", f"/v1/webhooks/{hook}/deliveries?state=pending")[1]["items"]:
        check(time.monotonic() < deadline, "the webhook's deliveries are still pending after 15 s")
        time.sleep(0.5)
    before = state()
    patch = json.dumps({"defaults": {"defaultMaxUses": 3}})
    writes = [
        ("/console/policy/preview", {"form": "settings", "s.defaultMaxUses": "3"}),
        ("/console/policy/save", {"patch": patch, "version": "999"}),
        ("/console/people/invite", {"name": "Eve", "upn": "eve@contoso.example", "role": "admin"}),
        ("/console/people/machines", {"name": "rogue", "role": "bench", "site": "hel-1"}),
        (f"/console/people/{run.facts['grace id']}/revoke", {}),
        (f"/console/people/{run.facts['grace id']}/role", {"role": "auditor"}),
        ("/console/webhooks", {"url": "https://example.com/x"}),
        (f"/console/webhooks/{hook}/test", {}),
        (f"/console/webhooks/{hook}/delete", {}),
        (f"/console/keys/{run.facts['key']}/revoke", {"reason": "auditor tries"}),
    ]
    refused = []
    for path, fields in writes:
        status, text = post_form(alan.devtools, path, fields)
        check(status == 403, f"the auditor's POST {path} {fields} answered {status}: {text[:300]}")
        refused.append(path)
    # The same as a form the browser submits (a navigation): the refusal page.
    landed = post_form_navigating(alan.devtools, f"/console/webhooks/{hook}/delete", {})
    check(landed.status == 403 and "Not allowed" in alan.text(),
          f"the auditor's delete form answered {landed.status}: {alan.text()[:300]}")
    run.checker.check(alan.devtools, "auditor: refusal page")
    # A save the policy would take (a valid patch, the version in force), as a form the browser submits.
    visit(alan, PLACE)
    landed = post_form_navigating(alan.devtools, "/console/policy/save", {"patch": patch, "version": version})
    check(landed.status == 403, f"the auditor's policy save answered {landed.status}")
    check(state() == before, "an auditor's refused write changed something")
    run.close_browser("alan")
    return f"an auditor reads every admin page; his {len(refused) + 2} writes are refused (403), nothing changed"
