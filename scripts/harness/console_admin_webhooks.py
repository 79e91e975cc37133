"""scripts/console-admin-e2e's Webhooks steps: a webhook added and its test event received, signed; a dead letter
sent again from the page; a webhook deleted."""

import json
import time
import urllib.parse

from harness import check
from harness.pages import click, fill_and_submit, visit
from harness.receiver import signature_holds


def webhook(run):
    ada = run.browsers["ada"]
    run.page(ada, "/console/webhooks", "webhooks")
    # An address the service will not call (a private network not allow-listed): refused beside the field.
    landed = run.writer.submit(ada, fill_and_submit("#webhook", {"url": "https://10.20.30.40/hook"}))
    problem = run.text_of(ada, "hook-url-problem")
    check(landed.status in (400, 422) and "10.20.30.40" in problem
          and ada.devtools.evaluate("document.getElementById('hook-url').getAttribute('aria-invalid')") == "true",
          f"a private receiver answered {landed.status} with {problem!r}")
    run.checker.check(ada.devtools, "webhooks, address refused")
    check(run.call("GET", "/v1/webhooks")[1]["items"] == [], "a refused webhook was stored")
    fields = {"url": run.receiver.url, "description": "e2e receiver"}
    boxes = ada.devtools.evaluate(
        "[...document.querySelectorAll('#webhook input[type=checkbox]')].map(b => b.name)")
    # The event types a webhook can be limited to, one checkbox each (the API's session events).
    if run.expect("event.session.created" in boxes and "event.session.completed" in boxes,
                  "the webhook form has no event checkboxes (event.session.created, ...): its fieldset says "
                  + repr(ada.devtools.evaluate("document.querySelector('#webhook fieldset').innerText")[:160])):
        fields.update({"event.session.created": True, "event.session.completed": True})
    landed = run.writer.submit(ada, fill_and_submit("#webhook", fields))
    check(landed.status == 201, f"adding the webhook answered {landed.status}: {ada.text()[:400]}")
    secret = run.text_of(ada, "webhook-secret")
    check(len(secret) >= 16, f"the secret shown is {secret!r}")
    link = ada.devtools.evaluate(
        "(document.querySelector('.shown-once a[href^=\"/console/webhooks/\"]') || {}).getAttribute?.('href')")
    check(link, "the created page offers no link to the webhook")
    hook = link.rsplit("/", 1)[1]
    run.facts["webhook"] = hook
    run.shot(ada, "console-webhook-created.png")
    run.checker.check(ada.devtools, "webhook created")

    run.page(ada, link, "webhook")
    landed = run.writer.submit(ada, click("form[action$='/test'] button"))
    check(landed.redirects and landed.redirects[0][0] == 303 and landed.status == 200
          and landed.url.endswith(f"{link}?tested=1"), f"the test button: {landed}")
    sent = run.receiver.wait(lambda p: json.loads(p["body"] or b"{}").get("type") == "webhook.tested", 15)
    check(sent is not None,
          f"the receiver got no webhook.tested within 15 s (it got {len(run.receiver.posts)} posts)")
    body = json.loads(sent["body"])
    check(body.get("webhookId") == hook, f"the test event names webhook {body.get('webhookId')}, not {hook}")
    check(sent["headers"].get("x-tapstation-event") == "webhook.tested", f"headers: {sent['headers']}")
    check(signature_holds(secret, sent["headers"], sent["body"]),
          f"the signature {sent['headers'].get('x-tapstation-signature')} is not the shown secret's")
    wait_delivery(ada, link, lambda d: d["event"].startswith("webhook.tested") and d["state"] == "delivered",
                  "the test event delivered")
    run.shot(ada, "console-webhook.png")
    run.checker.check(ada.devtools, "webhook, delivered")
    run.page(ada, f"{link}?state=delivered", "webhook, delivered filter")
    check("webhook.tested" in ada.devtools.evaluate("document.querySelector('main').innerText"),
          "the delivered filter does not list the test delivery")
    run.page(ada, f"{link}?state=deadLetter", "webhook, dead-letter filter")
    check("None in state deadLetter." in ada.text(), "the dead-letter filter lists something")
    return ("Webhooks: a private address refused beside the field; added (secret shown once), a test event signed "
            "with it reaches the receiver, listed delivered")


def deliveries(console):
    """The deliveries a webhook's page lists: [{id, event, state, attempts, answer, retry}]."""
    return console.devtools.evaluate("""[...document.querySelectorAll('tbody tr[id^="delivery-"]')].map(r => ({
        id: r.id.slice(9), event: r.cells[0].innerText, state: r.cells[1].innerText,
        attempts: r.cells[2].innerText, answer: r.cells[3].innerText,
        retry: r.querySelector('form[action$="/retry"] button') !== null}))""")


def wait_delivery(console, link, predicate, what, timeout=15):
    """Reloads the webhook's page until a delivery it lists satisfies `predicate`; that delivery."""
    deadline = time.monotonic() + timeout
    while True:
        visit(console, link)
        found = [d for d in deliveries(console) if predicate(d)]
        if found:
            return found[0]
        check(time.monotonic() < deadline, f"the webhook's page never listed {what}: {deliveries(console)}")
        time.sleep(0.5)


def dead_letter(run):
    ada = run.browsers["ada"]
    flaky = f"{run.receiver.base}/hooks/flaky"
    run.receiver.failing.add("/hooks/flaky")
    run.page(ada, "/console/webhooks", "webhooks, a second one")
    landed = run.writer.submit(ada, fill_and_submit("#webhook", {"url": flaky, "description": "flaky receiver"}))
    check(landed.status == 201, f"adding the second webhook answered {landed.status}: {ada.text()[:300]}")
    link = ada.devtools.evaluate(
        "document.querySelector('.shown-once a[href^=\"/console/webhooks/\"]').getAttribute('href')")
    visit(ada, link)
    landed = run.writer.submit(ada, click("form[action$='/test'] button"))
    check(landed.status == 200 and landed.url.endswith("?tested=1"), f"the test button: {landed}")
    dead = wait_delivery(ada, link, lambda d: d["state"] == "deadLetter", "a dead letter")
    check(dead["event"].startswith("webhook.tested") and dead["answer"].startswith("HTTP 500") and dead["retry"],
          f"the dead letter: {dead}")
    run.page(ada, f"{link}?state=deadLetter", "webhook, dead letters")
    listed = deliveries(ada)
    check([d["id"] for d in listed] == [dead["id"]], f"the dead-letter filter lists {listed}")
    run.shot(ada, "console-webhook-dead-letter.png")

    run.receiver.failing.discard("/hooks/flaky")
    landed = run.writer.submit(ada, click(f"#delivery-{dead['id']} form[action$='/retry'] button"))
    check(landed.redirects and landed.redirects[0][0] == 303 and landed.status == 200
          and landed.url.endswith("?retried=1") and "The delivery is queued again." in ada.text(),
          f"Send again: {landed}")
    again = wait_delivery(ada, link, lambda d: d["id"] == dead["id"] and d["state"] == "delivered",
                          "the dead letter delivered after Send again")
    # Send again starts the delivery's attempts afresh (the whole retry budget again).
    check(again["attempts"] == "1" and again["answer"] == "HTTP 204" and not again["retry"],
          f"after Send again: {again}")
    posts = [p["status"] for p in run.receiver.posts if p["path"] == "/hooks/flaky"]
    check(posts == [500, 204], f"the flaky receiver answered {posts}")
    run.checker.check(ada.devtools, "webhook, dead letter sent again")

    landed = run.writer.submit(ada, click("form[action$='/delete'] button"))
    check(landed.redirects and landed.redirects[0][0] == 303 and landed.status == 200
          and urllib.parse.urlsplit(landed.url).path == "/console/webhooks", f"Delete: {landed}")
    check(flaky not in ada.text() and run.receiver.url in ada.text(), "the list after Delete is wrong")
    status, hooks = run.call("GET", "/v1/webhooks")
    check([h["url"] for h in hooks["items"]] == [run.receiver.url], f"GET /v1/webhooks after Delete: {hooks}")
    return "Webhooks: a failed delivery dead-lettered, sent again from the page and delivered; a webhook deleted"
