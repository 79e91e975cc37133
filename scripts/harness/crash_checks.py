"""scripts/crash-test's checks after the load: every acknowledged write is there and consistent, over the API
and in the database file; no error in the logs; no secret in clear in any file."""

import collections
import json
import os
import re
import sqlite3
import threading

from harness.crash_server import TERMINAL_STATES, TRANSPORT_ERRORS, VALID_STATES, Client



def parallel_get(port, admin, ids, workers=8):
    """GET /v1/sessions/{id} for every id; returns id -> (status, json or raw)."""
    results = {}
    lock = threading.Lock()
    queue = list(ids)

    def run():
        client = Client(port)
        while True:
            with lock:
                if not queue:
                    break
                sid = queue.pop()
            for attempt in range(3):
                try:
                    status, raw, _ = client.call("GET", f"/v1/sessions/{sid}", headers={"Authorization": f"Bearer {admin}"})
                    break
                except TRANSPORT_ERRORS as error:
                    status, raw = None, repr(error).encode()
            try:
                body = json.loads(raw) if status == 200 else raw
            except ValueError:
                body = raw
            with lock:
                results[sid] = (status, body)
        client.close()

    threads = [threading.Thread(target=run, daemon=True) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def check_sessions(driver, server, admin, failures, figures):
    """Acknowledged creates exist; redeem counts agree with what the server recorded."""
    records = list(driver.records.values())
    answers = parallel_get(server.port, admin, [r.id for r in records])
    lost_sessions = 0
    lost_uses = 0
    over_admitted = 0
    phantom = 0
    recorded_unanswered = 0
    for r in records:
        status, body = answers.get(r.id, (None, b"no answer"))
        if status != 200:
            lost_sessions += 1
            failures.add(f"LOST WRITE: acknowledged session {r.id} ({r.user}) answers GET {status}: {body!r:.200}")
            continue
        if body.get("userPrincipalName") != r.user:
            failures.add(f"session {r.id} belongs to {body.get('userPrincipalName')}, was created for {r.user}")
        state = body.get("state")
        passview = body.get("pass") or {}
        max_uses, remaining = passview.get("maxUses"), passview.get("usesRemaining")
        if max_uses != r.max_uses or not isinstance(remaining, int):
            failures.add(f"session {r.id}: pass maxUses {max_uses} usesRemaining {remaining}, created with maxUses {r.max_uses}")
            continue
        used = max_uses - remaining
        if r.ok > r.max_uses or used > r.max_uses:
            over_admitted += 1
            failures.add(f"OVER-ADMISSION: session {r.id} pass maxUses {r.max_uses}: {r.ok} redeems answered 200, "
                         f"server counts {used} uses")
        if r.ok > used:
            lost_uses += r.ok - used
            failures.add(f"LOST WRITE: session {r.id}: {r.ok} redeems answered 200 but the server counts {used} uses "
                         f"(usesRemaining {remaining} of {max_uses})")
        if used > r.ok:
            recorded_unanswered += min(used - r.ok, r.in_doubt)
        if used > r.ok + r.in_doubt:
            phantom += 1
            failures.add(f"session {r.id}: the server counts {used} uses, but only {r.ok} redeems were answered 200 "
                         f"and {r.in_doubt} got no answer")
        if r.refused and remaining > 0:
            failures.add(f"session {r.id}: a redeem was refused (401) while the pass still has {remaining} of {max_uses} uses")
        if r.replayed and used:
            failures.add(f"session {r.id}: nobody knows its pass (create replayed), yet it has {used} uses")
        if state not in VALID_STATES:
            failures.add(f"session {r.id}: unknown state {state!r}")
        elif state == "active" and (used != 0 or body.get("firstUsedDateTime")):
            failures.add(f"session {r.id}: state active but {used} uses, firstUsedDateTime {body.get('firstUsedDateTime')}")
        elif state == "inProgress" and (used == 0 or not body.get("firstUsedDateTime")):
            failures.add(f"STUCK: session {r.id}: state inProgress but {used} uses, firstUsedDateTime {body.get('firstUsedDateTime')}")
        elif state not in ("active", "inProgress"):
            failures.add(f"session {r.id}: state {state}, but this test only creates and redeems (expected active or inProgress)")
        device = body.get("device")
        if r.serial:
            if not device or device.get("serialNumber") != r.serial:
                failures.add(f"session {r.id}: device {device!r:.200}, created for serial {r.serial}")
            else:
                want = "enrolling" if used else "pending"
                if device.get("enrollmentState") != want:
                    failures.add(f"session {r.id}: {used} uses but device enrollmentState {device.get('enrollmentState')}")
    figures["acknowledged creates checked"] = len(records)
    figures["lost writes"] = lost_sessions + lost_uses
    figures["over-admitted passes"] = over_admitted
    figures["phantom uses"] = phantom
    figures["unanswered redeems the server had committed"] = recorded_unanswered


def check_database(data_dir, driver, failures, figures):
    """Read-only SQL checks on the file: integrity, one consistent row set per session, audit trail per use."""
    path = os.path.join(data_dir, "tapstation.sqlite")
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    except sqlite3.Error as error:
        failures.add(f"cannot open {path} read-only: {error}")
        return
    try:
        result = [row[0] for row in db.execute("PRAGMA integrity_check")]
        figures["integrity_check"] = " ".join(result)[:80]
        if result != ["ok"]:
            failures.add(f"PRAGMA integrity_check: {result[:10]}")
        fk = db.execute("PRAGMA foreign_key_check").fetchall()
        if fk:
            failures.add(f"PRAGMA foreign_key_check: {fk[:10]}")
        # One snapshot for everything below.
        db.execute("BEGIN")
        sessions = db.execute("""
            SELECT s.id, s.state, s.userPrincipalName, s.firstUsedAt, d.enrollmentState, d.serialNumber,
                   (SELECT COUNT(*) FROM pass p WHERE p.sessionId = s.id AND p.revokedAt IS NULL),
                   (SELECT MAX(p.uses) FROM pass p WHERE p.sessionId = s.id AND p.revokedAt IS NULL),
                   (SELECT MAX(p.maxUses) FROM pass p WHERE p.sessionId = s.id AND p.revokedAt IS NULL),
                   (SELECT COUNT(*) FROM sessionToken t WHERE t.sessionId = s.id),
                   (SELECT COUNT(*) FROM auditEvent e WHERE e.sessionId = s.id AND e.type = 'pass.used'),
                   (SELECT COUNT(*) FROM auditEvent e WHERE e.sessionId = s.id AND e.type = 'session.created')
            FROM session s LEFT JOIN device d ON d.id = s.deviceId""").fetchall()
        open_per_device = db.execute(f"""
            SELECT deviceId, COUNT(*) FROM session WHERE deviceId IS NOT NULL
              AND state NOT IN ({','.join('?' * len(TERMINAL_STATES))}) GROUP BY deviceId HAVING COUNT(*) > 1""",
                                     sorted(TERMINAL_STATES)).fetchall()
        db.execute("COMMIT")
    except sqlite3.Error as error:
        failures.add(f"SQL check failed: {error}")
        return
    finally:
        db.close()
    if open_per_device:
        failures.add(f"devices with more than one open session: {open_per_device[:5]}")
    known = {r.id for r in driver.records.values()}
    per_user = collections.Counter()
    for (sid, state, user, first_used, enrollment, serial, live, uses, max_uses, tokens, used_events, created_events) in sessions:
        per_user[user] += 1
        where = f"session {sid} ({'acknowledged' if sid in known else 'not acknowledged'})"
        if live != 1:
            failures.add(f"{where}: {live} live passes")
            continue
        if state not in VALID_STATES:
            failures.add(f"{where}: stored state {state!r} is not a valid state")
        elif state == "active" and (uses != 0 or first_used is not None):
            failures.add(f"{where}: stored state active with {uses} uses, firstUsedAt {first_used}")
        elif state == "inProgress" and (uses == 0 or first_used is None):
            failures.add(f"STUCK: {where}: stored state inProgress with {uses} uses, firstUsedAt {first_used}")
        elif state not in ("active", "inProgress"):
            failures.add(f"{where}: stored state {state} (expected active or inProgress)")
        if serial is not None and enrollment != ("enrolling" if uses else "pending"):
            failures.add(f"{where}: {uses} uses but device enrollmentState {enrollment}")
        if uses > max_uses:
            failures.add(f"OVER-ADMISSION: {where}: {uses} uses of {max_uses}")
        if tokens != uses:
            failures.add(f"{where}: {uses} uses but {tokens} session tokens")
        if used_events != uses:
            failures.add(f"{where}: {uses} uses but {used_events} pass.used audit events")
        if created_events != 1:
            failures.add(f"{where}: {created_events} session.created audit events")
    stored = {row[0] for row in sessions}
    unacknowledged = len(stored - known)
    figures["sessions in the database"] = len(stored)
    figures["sessions created but never acknowledged"] = unacknowledged
    if unacknowledged > driver.unknown_creates:
        failures.add(f"{unacknowledged} sessions exist that no acknowledged create made, but only "
                     f"{driver.unknown_creates} unkeyed creates went unanswered")
    doubled = [u for u, n in per_user.items() if n > 1]
    if doubled:
        failures.add(f"users with more than one session (each create used its own user, so a create ran twice): {doubled[:5]}")


def check_database_integrity_only(data_dir, failures):
    try:
        db = sqlite3.connect(f"file:{os.path.join(data_dir, 'tapstation.sqlite')}?mode=ro", uri=True, timeout=30)
        result = [row[0] for row in db.execute("PRAGMA integrity_check")]
        db.close()
    except sqlite3.Error as error:
        failures.add(f"integrity check after shutdown failed: {error}")
        return
    if result != ["ok"]:
        failures.add(f"PRAGMA integrity_check after shutdown: {result[:10]}")


def check_logs(server, failures):
    """Error-level lines (a 500, a failed sweep, a failed readiness) in any server run."""
    bad = re.compile(rb"^\S+ (error|critical) ", re.M)
    for path in server.log_paths:
        try:
            text = open(path, "rb").read()
        except OSError:
            continue
        for m in bad.finditer(text):
            line = text[m.start():text.find(b"\n", m.start())].decode(errors="replace")
            failures.add(f"error logged in {os.path.basename(path)}: {line[:300]}")


PASS_SYMBOL = rb"[2-9A-HJKMNP-Za-hjkmnp-z]"
PASS_RE = re.compile(rb"(?=(" + PASS_SYMBOL + rb"{4}-?" + PASS_SYMBOL + rb"{4}-?" + PASS_SYMBOL + rb"{4}))")
TOKEN_BODY_RE = re.compile(rb"(?=([0-9A-Za-z]{32}))")


def grep_secrets(paths, passes, tokens, failures, extra_texts=()):
    """No pass (grouped, ungrouped, any case) and no token (with or without its prefix) in any of the files."""
    pass_set = {p.replace("-", "").upper().encode() for p in passes}
    token_bodies = {t.split("_", 1)[-1].lower().encode() for t in tokens}
    found = []
    sources = [(os.path.basename(p), p) for p in paths] + list(extra_texts)
    for name, text in sources:
        if isinstance(text, str):
            try:
                with open(text, "rb") as f:
                    text = f.read()
            except OSError:
                continue
        for m in PASS_RE.finditer(text):
            if m.group(1).replace(b"-", b"").upper() in pass_set:
                found.append(f"a pass value in {name}")
                break
        for m in TOKEN_BODY_RE.finditer(text):
            if m.group(1).lower() in token_bodies:
                found.append(f"a token in {name}")
                break
    for f in found:
        failures.add(f"SECRET IN CLEAR: {f}")
    return len(found)


def secret_files(server, data_dir, work):
    files = sorted(os.path.join(data_dir, n) for n in os.listdir(data_dir) if n.startswith("tapstation.sqlite"))
    files += list(server.log_paths)
    files += sorted(os.path.join(work, n) for n in os.listdir(work) if n.startswith("cli-"))
    return files


def dump_database(data_dir):
    try:
        db = sqlite3.connect(f"file:{os.path.join(data_dir, 'tapstation.sqlite')}?mode=ro", uri=True, timeout=30)
        text = "\n".join(db.iterdump()).encode()
        db.close()
        return text
    except sqlite3.Error as error:
        return f"(dump failed: {error})".encode()
