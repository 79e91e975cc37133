"""scripts/console-admin-e2e's People steps: the first admin, an invited admin with her own passkey, a kiosk
enrolled in tmux, and the row actions (a bench token rotated and revoked, a role changed, passkeys reset)."""

import os
import time

from harness import api, check, qr, tmux
from harness.pages import click, fill_and_submit


def first_admin(run):
    run.start()
    ada = run.open_browser("ada")
    run.register(ada, run.facts["ada code"], "Ada Lovelace · admin · every site")
    links = ada.devtools.evaluate("[...document.querySelectorAll('header nav a')].map(a => a.textContent)")
    for link in ("Policy", "People", "Webhooks", "Keys", "Audit", "Service"):
        check(link in links, f"the admin's header lacks {link}: {links}")
    return "the first admin (invited on the command line) registers a passkey; the admin pages are linked"


def invite_person(run):
    ada = run.browsers["ada"]
    run.page(ada, "/console/people", "people")
    run.facts["grace code"] = run.invite(ada, "Grace Hopper", "grace@contoso.example", "admin")
    run.shot(ada, "console-people-invitation.png")
    run.checker.check(ada.devtools, "people, invitation shown once")
    grace = run.open_browser("grace")
    run.register(grace, run.facts["grace code"], "Grace Hopper · admin · every site")
    run.page(ada, "/console/people", "people, Grace registered")
    found = run.rows(ada, "grace@contoso.example")
    check(len(found) == 1, f"People lists Grace {len(found)} times: {found}")
    cells = found[0]["cells"]
    check(cells[1] == "admin" and cells[3] == "1 passkey", f"Grace's row says {cells}")
    check(cells[4] != "never" and " from " in cells[4], f"Grace's last use says {cells[4]!r}")
    run.facts["grace id"] = found[0]["id"].removeprefix("operator-")
    return ("People: invitation shown once; Grace registers in a second browser, listed with 1 passkey and a "
            "last use")


def kiosk_machine(run):
    ada = run.browsers["ada"]
    run.page(ada, "/console/people", "people, before the kiosk")
    landed = run.writer.submit(ada, fill_and_submit("#machine", {
        "name": "kiosk 7, hall B", "role": "kiosk", "site": "bench-hel-1"}))
    check(landed.status == 200, f"the machine form answered {landed.status}: {ada.text()[:300]}")
    code = run.text_of(ada, "enrolment-code")
    check(len(code) >= 8, f"the enrolment code shown is {code!r}")
    view_box, path = ada.devtools.evaluate(
        "(() => { const svg = document.querySelector('#pass-qr svg');"
        " return svg ? [svg.getAttribute('viewBox'), svg.querySelector('path').getAttribute('d')] : ['', '']; })()")
    decoded = qr.decode_svg(view_box, path) if view_box else []
    check(decoded == [code], f"the QR code beside the enrolment code reads {decoded}, not {code!r}")
    run.shot(ada, "console-people-kiosk.png")
    run.checker.check(ada.devtools, "people, kiosk enrolment code")

    bin_dir = os.path.dirname(run.binary)
    run.kiosk = tmux.Pane("kiosk", [os.path.join(bin_dir, "tapkiosk")], {
        "PATH": "/usr/bin:/bin", "TERM": "xterm", "TAPKIOSK_CONFIG": os.path.join(run.work, "kiosk.conf"),
        "TAPKIOSK_SERVER": run.api_base, "TAPKIOSK_TOKEN_FILE": os.path.join(run.work, "kiosk", "token"),
        "TAPKIOSK_POLL_INTERVAL_SECONDS": "1"})
    open(os.path.join(run.work, "kiosk.conf"), "w").close()
    run.kiosk.wait_for("Enrolment code", 15)
    run.kiosk.type_line(code)
    run.kiosk.wait_for("1   Enroll a device", 15)
    with open(os.path.join(run.work, "kiosk", "token")) as file:
        check(file.read().startswith("tso_"), "the kiosk's token file holds no token")
    deadline = time.monotonic() + 10
    while True:
        run.page(ada, "/console/people", "people, kiosk enrolled")
        found = run.rows(ada, "kiosk 7, hall B")
        check(len(found) == 1, f"People lists the kiosk {len(found)} times: {found}")
        cells = found[0]["cells"]
        if cells[4] != "never" or time.monotonic() > deadline:
            break
        time.sleep(1)
    check(cells[1] == "kiosk" and cells[2] == "bench-hel-1" and cells[3] == "active", f"the kiosk's row: {cells}")
    check(" from " in cells[4], f"the kiosk's last use says {cells[4]!r}")
    run.kiosk.close()
    run.kiosk = None
    return ("People: a kiosk's enrolment code (its QR code read back) typed at tapkiosk in tmux; enrolled, "
            "last use shown")


def people_rows(run):
    ada = run.browsers["ada"]
    run.page(ada, "/console/people", "people, row actions")
    landed = run.writer.submit(ada, fill_and_submit("#machine", {"name": "bench cart 2", "role": "bench",
                                                                 "site": "hel-1"}))
    first = run.text_of(ada, "new-token")
    check(landed.status == 200 and first.startswith("tso_"), f"a bench machine: {landed.status} {first[:8]!r}")
    check(api.call(run.api_base, "GET", "/v1/operators/me", None, first)[0] == 200,
          "the bench token does not work")
    row = run.rows(ada, "bench cart 2")[0]["id"]
    landed = run.writer.submit(ada, fill_and_submit(f"#{row} form[action$='/rotate']", {"grace": "0"}))
    second = run.text_of(ada, "new-token")
    check(landed.status == 200 and second.startswith("tso_") and second != first, f"rotating: {landed.status}")
    statuses = [api.call(run.api_base, "GET", "/v1/operators/me", None, t)[0] for t in (first, second)]
    check(statuses == [401, 200], f"after rotating with no overlap, old and new tokens answer {statuses}")
    landed = run.writer.submit(ada, click(f"#{row} form[action$='/revoke'] button"))
    check(landed.status == 200 and "bench cart 2 is revoked" in ada.text(), f"revoking: {ada.text()[:300]}")
    check(api.call(run.api_base, "GET", "/v1/operators/me", None, second)[0] == 401, "a revoked token works")
    check(run.rows(ada, "bench cart 2")[0]["cells"][3].startswith("revoked"), "the row does not say revoked")

    alan = run.rows(ada, "alan@contoso.example")[0]["id"]
    landed = run.writer.submit(ada, fill_and_submit(f"#{alan} form[action$='/role']", {"role": "helpdesk",
                                                                                       "site": "hel-1"}))
    check(landed.status == 200 and "Alan Turing is helpdesk now" in ada.text(), f"role: {ada.text()[:300]}")
    cells = run.rows(ada, "alan@contoso.example")[0]["cells"]
    check(cells[1:3] == ["helpdesk", "hel-1"], f"Alan's row after the role change: {cells}")
    alan = run.rows(ada, "alan@contoso.example")[0]["id"]
    landed = run.writer.submit(ada, click(f"#{alan} form[action$='/reset-passkeys'] button"))
    code = run.text_of(ada, "invitation-code")
    check(landed.status == 200 and len(code) == 14, f"reset passkeys: {landed.status} {code!r}")
    cells = run.rows(ada, "alan@contoso.example")[0]["cells"]
    check(cells[3] == "no passkey (invited or SSO)", f"Alan's row after the reset: {cells}")
    run.checker.check(ada.devtools, "people, after row actions")
    run.shot(ada, "console-people.png")
    return ("People rows: a bench token rotated (old refused at once) and revoked; a person's role changed and "
            "passkeys reset (a new code)")
