"""scripts/crash-test's base: its constants, log and failure list, the `tapstation serve` it kills again and
again, the keep-alive client, and the CLI and policy calls of its set-up."""

import http.client
import json
import os
import signal
import subprocess
import threading
import time

from harness import server as service

TERMINAL_STATES = {"completed", "cancelled", "rejected", "abandoned"}
VALID_STATES = {"awaitingApproval", "pending", "active", "inProgress", "expired", "lockedOut"} | TERMINAL_STATES
PLATFORMS = ["ios", "ipados", "android", "windows", "macos", "linux", "other"]
# Errors that mean "no complete answer": the request may or may not have reached the server.
TRANSPORT_ERRORS = service.TRANSPORT_ERRORS
REQUEST_TIMEOUT = 10.0


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


class Failures:
    def __init__(self):
        self.lock = threading.Lock()
        self.items = []

    def add(self, message):
        with self.lock:
            if message not in self.items:
                self.items.append(message)

    def __bool__(self):
        return bool(self.items)


class Server:
    """One `tapstation serve` process at a time on a fixed data dir and port; every run logs to its own file."""

    def __init__(self, binary, data_dir, port, work):
        self.binary, self.data_dir, self.port, self.work = binary, data_dir, port, work
        self.proc = None
        self.runs = 0
        self.log_paths = []
        # Bumped whenever the running process is about to change; `up` only between readiness and a kill.
        self.generation = 0
        self.up = False
        self.lock = threading.Lock()

    def start(self):
        self.runs += 1
        path = os.path.join(self.work, f"serve-{self.runs:03d}.log")
        self.log_paths.append(path)
        # All load comes from 127.0.0.1 and over-redeems on purpose: raise the failed-redeem throttle so every
        # redeem reaches the store under crashes (the throttle has its own tests).
        env = dict(os.environ, TAPSTATION_REDEEM_LIMIT_PER_CLIENT_USER="10000",
                   TAPSTATION_REDEEM_LIMIT_PER_USER="100000",
                   TAPSTATION_REDEEM_USER_FAILURES_BEFORE_DELAY="100000", TAPSTATION_REDEEM_LIMIT_PER_CLIENT="1000000")
        with open(path, "wb") as out:
            self.proc = service.start(self.binary, self.data_dir, self.port, out, env=env, start_new_session=True)
        return self.proc

    def wait_ready(self, timeout=20.0):
        if not service.wait_ready(self.port, self.proc, timeout):
            return False
        with self.lock:
            self.up = True
        return True

    def kill9(self):
        with self.lock:
            self.up = False
            self.generation += 1
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        if self.proc:
            self.proc.wait()

    def mark_down(self):
        with self.lock:
            self.up = False
            self.generation += 1

    def state(self):
        with self.lock:
            return self.up, self.generation

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def cleanup(self):
        self.mark_down()
        if self.proc and self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGKILL)
                self.proc.wait(timeout=5)
            except Exception:
                pass


class Client:
    """A keep-alive connection; any transport error drops it. `call` returns (status, body bytes, response)
    once the whole answer is in, or raises. `generation` stays that of the last connection used, even after
    a failure closed it."""

    def __init__(self, port, server=None):
        self.port = port
        self.server = server
        self.conn = None
        self.generation = None  # the server generation the open connection was made to

    def call(self, method, path, body=None, headers=None, timeout=REQUEST_TIMEOUT):
        if self.conn is not None and self.server and self.generation != self.server.state()[1]:
            # Kept alive to a process that has been killed since: it would fail for certain, so do not count it.
            self.close()
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
            self.generation = self.server.state()[1] if self.server else None
        data = None if body is None else json.dumps(body).encode()
        hdrs = {"Content-Type": "application/json"} if data is not None else {}
        hdrs.update(headers or {})
        try:
            self.conn.request(method, path, body=data, headers=hdrs)
            resp = self.conn.getresponse()
            raw = resp.read()  # raises IncompleteRead when the body is cut short
            result = resp.status, raw, resp
        except BaseException:
            self.close()
            raise
        if resp.will_close:
            self.close()
        return result

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def run_cli(binary, args, work, name, failures, expect=0):
    path = os.path.join(work, f"cli-{name}.log")
    with open(path, "wb") as err:
        result = subprocess.run([binary] + args, stdout=subprocess.PIPE, stderr=err, timeout=60)
    if expect is not None and result.returncode != expect:
        failures.add(f"`tapstation {' '.join(args)}` exited {result.returncode}, expected {expect}: "
                     f"{result.stdout.decode(errors='replace')[:300]} {open(path, 'rb').read()[:300]!r}")
    return result


def patch_policy(port, admin, failures):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    conn.request("PATCH", "/v1/policy", body=json.dumps({"defaults": {"failedAttemptLimit": 100}}),
                 headers={"Authorization": f"Bearer {admin}", "Content-Type": "application/merge-patch+json"})
    resp = conn.getresponse()
    raw = resp.read()
    conn.close()
    if resp.status != 200:
        failures.add(f"PATCH /v1/policy answered {resp.status}: {raw[:300]!r}")


def tail(path, lines=15):
    try:
        with open(path, "rb") as f:
            return "\n".join("    " + l for l in f.read().decode(errors="replace").splitlines()[-lines:])
    except OSError:
        return "    (no log)"
