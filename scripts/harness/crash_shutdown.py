"""scripts/crash-test's last steps: session tokens minted before the crashes still work, and a graceful
shutdown answers the request in flight, exits 0 and leaves no new connection hanging."""

import http.client
import json
import signal
import socket
import subprocess
import threading
import time

from harness.crash_server import TRANSPORT_ERRORS, Client, tail



def enrollment_sample(driver, port, failures, figures, limit=5):
    """A few session tokens minted before crashes still work: device check-in completes the session."""
    client = Client(port)
    done = 0
    for r in driver.records.values():
        if done >= limit:
            break
        if r.scenario != "deviceEnrollment" or not r.tokens or not r.serial:
            continue
        try:
            status, raw, _ = client.call("POST", "/v1/enrollment/device", {"serialNumber": r.serial},
                                         {"Authorization": f"Bearer {r.tokens[0]}"})
            redeem = client.call("POST", "/v1/redeem", {"userPrincipalName": r.user, "temporaryAccessPass": r.passvalue})[0]
        except TRANSPORT_ERRORS as error:
            failures.add(f"device check-in of {r.id} got no answer: {error!r}")
            continue
        if status != 200 or json.loads(raw).get("state") != "completed":
            failures.add(f"device check-in of {r.id} with its session token answered {status}: {raw[:200]!r}")
        if redeem != 401:
            failures.add(f"redeem of the completed session {r.id}'s pass answered {redeem}, expected 401")
        done += 1
    client.close()
    figures["session tokens used for check-in after crashes"] = done


def graceful_shutdown(server, admin, seed, failures, figures, extra_passes):
    """A create still uploading when SIGTERM arrives is answered; the server exits 0; new connections do not hang."""
    user = f"graceful-{seed}@contoso.example"
    body = json.dumps({"scenario": "deviceEnrollment", "userPrincipalName": user,
                       "device": {"serialNumber": f"GRACEFUL-{seed}", "platform": "ios"},
                       "reason": "graceful shutdown check", "pass": {"maxUses": 2}}).encode()
    half = len(body) // 2
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=15)
    conn.putrequest("POST", "/v1/sessions")
    conn.putheader("Authorization", f"Bearer {admin}")
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Content-Length", str(len(body)))
    conn.endheaders()
    conn.send(body[:half])
    time.sleep(1.0)
    server.mark_down()
    term_at = time.monotonic()
    server.proc.send_signal(signal.SIGTERM)
    time.sleep(0.3)

    # A new connection after SIGTERM: refused, or answered, never hung.
    probe = {}

    def knock():
        started = time.monotonic()
        try:
            c = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
            c.request("GET", "/readyz")
            r = c.getresponse()
            r.read()
            probe["outcome"] = f"answered {r.status}"
            c.close()
        except ConnectionRefusedError:
            probe["outcome"] = "refused"
        except (socket.timeout, TimeoutError):
            probe["outcome"] = "HUNG"
        except TRANSPORT_ERRORS as error:
            probe["outcome"] = f"closed without an answer ({type(error).__name__})"
        probe["seconds"] = time.monotonic() - started

    knocker = threading.Thread(target=knock, daemon=True)
    knocker.start()
    time.sleep(0.3)
    sid = None
    try:
        conn.send(body[half:])
        resp = conn.getresponse()
        raw = resp.read()
        figures["graceful: in-flight create answered"] = resp.status
        if resp.status != 201:
            failures.add(f"GRACEFUL: the create uploading during SIGTERM answered {resp.status}: {raw[:300]!r}")
        else:
            answer = json.loads(raw)
            sid = answer["id"]
            extra_passes.append(answer["pass"]["temporaryAccessPass"])
    except TRANSPORT_ERRORS as error:
        figures["graceful: in-flight create answered"] = f"no answer ({type(error).__name__})"
        failures.add(f"GRACEFUL: the create uploading during SIGTERM got no answer: {error!r}")
    finally:
        conn.close()
    knocker.join(timeout=10)
    outcome = probe.get("outcome", "HUNG")
    figures["graceful: new connection after SIGTERM"] = outcome
    if outcome == "HUNG":
        failures.add("GRACEFUL: a new connection after SIGTERM hung")
    try:
        code = server.proc.wait(timeout=10)
        figures["graceful: exit code, seconds after SIGTERM"] = f"{code}, {time.monotonic() - term_at:.2f}"
        if code != 0:
            failures.add(f"GRACEFUL: serve exited {code} on SIGTERM:\n{tail(server.log_paths[-1])}")
    except subprocess.TimeoutExpired:
        failures.add("GRACEFUL: serve did not exit within 10 s of SIGTERM")
        server.kill9()
    return sid, user
