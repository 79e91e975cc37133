"""scripts/crash-test's load: the client threads that create sessions and redeem their passes while the server
is killed, and the kill schedule."""

import collections
import json
import os
import random
import socket
import threading
import time

from harness.crash_server import PLATFORMS, REQUEST_TIMEOUT, TRANSPORT_ERRORS, Client, log, tail



class Record:
    __slots__ = ("id", "user", "passvalue", "max_uses", "scenario", "serial", "replayed", "ok", "sent",
                 "in_doubt", "refused", "tokens", "idem_key")

    def __init__(self, id, user, passvalue, max_uses, scenario, serial, replayed=False, idem_key=None):
        self.id, self.user, self.passvalue, self.max_uses = id, user, passvalue, max_uses
        self.scenario, self.serial, self.replayed, self.idem_key = scenario, serial, replayed, idem_key
        self.ok = 0          # redeems answered 200
        self.sent = 0        # redeems sent
        self.in_doubt = 0    # redeems with no complete answer (may or may not have happened)
        self.refused = 0     # redeems answered 401
        self.tokens = []


class Driver:
    """The client load: creates and redeems from many threads, tolerant of a dead server."""

    def __init__(self, server, admin, seed, workers, failures):
        self.server, self.admin, self.seed, self.workers, self.failures = server, admin, seed, workers, failures
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.records = {}                    # session id -> Record
        self.redeemable = []                 # records whose pass value we hold
        self.hot = collections.deque(maxlen=8)  # the newest passes: several threads redeem these at once
        self.counter = 0
        self.pending_retries = []            # (key, body, user, serial, max_uses, scenario) of unanswered keyed creates
        self.keyed_outcomes = collections.Counter()
        self.unknown_creates = 0             # unanswered creates without a key: a session may or may not exist
        self.c = collections.Counter()
        self.threads = []

    # -- bookkeeping -------------------------------------------------------------------------------------

    def next_number(self):
        with self.lock:
            self.counter += 1
            return self.counter

    def count(self, key, n=1):
        with self.lock:
            self.c[key] += n

    def transport_error(self, started, conn_generation, error, what):
        """Classify a request with no complete answer. Expected while the server is being killed/restarted,
        and on a kept-alive connection to an earlier (killed) server process."""
        up_then, gen_then = started
        up_now, gen_now = self.server.state()
        expected = not up_then or not up_now or gen_then != gen_now or conn_generation != gen_now
        if not expected:
            if isinstance(error, (socket.timeout, TimeoutError)):
                self.failures.add(f"{what} hung for {REQUEST_TIMEOUT:.0f} s while the server was up: {error!r}")
            else:
                self.failures.add(f"{what} lost its connection while the server was up and not being killed: {error!r}")
        with self.lock:
            self.c["connection errors"] += 1
            if not expected:
                self.c["connection errors while up"] += 1
        return expected

    # -- operations --------------------------------------------------------------------------------------

    def new_create_body(self, rng):
        n = self.next_number()
        user = f"ct{self.seed}-{n}@contoso.example"
        max_uses = rng.choice([1, 2, 2, 3, 3])
        if rng.random() < 0.7:
            serial = f"CT{self.seed}-{n}"
            body = {"scenario": "deviceEnrollment", "userPrincipalName": user,
                    "device": {"serialNumber": serial, "platform": rng.choice(PLATFORMS)},
                    "reason": "crash test", "pass": {"maxUses": max_uses}}
        else:
            serial = None
            body = {"scenario": "fido2Registration", "userPrincipalName": user, "pass": {"maxUses": max_uses}}
        return body, user, serial, max_uses

    def create(self, client, rng, retry=None):
        if retry is None:
            body, user, serial, max_uses = self.new_create_body(rng)
            key = f"ct-{self.seed}-{user}" if rng.random() < 0.5 else None
        else:
            key, body, user, serial, max_uses = retry
        headers = {"Authorization": f"Bearer {self.admin}"}
        if key:
            headers["Idempotency-Key"] = key
        started = self.server.state()
        self.count("creates sent")
        try:
            status, raw, resp = client.call("POST", "/v1/sessions", body, headers)
        except TRANSPORT_ERRORS as error:
            self.transport_error(started, client.generation, error, f"create of {user}")
            refused = isinstance(error, ConnectionRefusedError)
            self.count("creates refused (connection)" if refused else "creates in doubt")
            if key:
                with self.lock:
                    self.pending_retries.append((key, body, user, serial, max_uses))
            elif not refused:
                with self.lock:
                    self.unknown_creates += 1
            return
        if status == 409 and key and retry is not None:
            # idempotency_in_progress can only mean the first attempt is still running on this process.
            with self.lock:
                self.pending_retries.append((key, body, user, serial, max_uses))
            self.count("creates answered 409 in progress")
            return
        if status != 201:
            self.failures.add(f"create {user} answered {status}: {raw[:300]!r}")
            return
        try:
            answer = json.loads(raw)
            sid = answer["id"]
            replayed = resp.getheader("Idempotent-Replayed") == "true"
            passvalue = answer["pass"].get("temporaryAccessPass")
            got_user, got_max = answer["userPrincipalName"], answer["pass"]["maxUses"]
        except (ValueError, KeyError, TypeError) as error:
            self.failures.add(f"create {user} answered 201 with an unreadable body ({error!r}): {raw[:300]!r}")
            return
        if got_user != user or got_max != max_uses:
            self.failures.add(f"create {user} answered user {got_user} maxUses {got_max}, asked {user} / {max_uses}")
        if replayed and passvalue:
            self.failures.add(f"replayed create of {user} carried a pass value")
        if not replayed and not passvalue:
            self.failures.add(f"create of {user} answered 201 without a pass value")
        record = Record(sid, user, None if replayed else passvalue, max_uses, body["scenario"], serial, replayed, key)
        with self.lock:
            if sid in self.records:
                self.failures.add(f"two creates answered the same session id {sid}")
            self.records[sid] = record
            self.c["creates acknowledged"] += 1
            if retry is not None:
                self.keyed_outcomes["replayed" if replayed else "created on retry"] += 1
                if replayed:
                    self.c["replayed creates"] += 1
            if record.passvalue:
                self.redeemable.append(record)
                self.hot.append(record)

    def patch_policy(self, client, rng):
        """A policy write now and then, so that kills also land on that transaction and its audit event."""
        limit = rng.randint(90, 100)
        started = self.server.state()
        self.count("policy patches sent")
        try:
            status, raw, _ = client.call(
                "PATCH", "/v1/policy", {"defaults": {"failedAttemptLimit": limit}},
                {"Authorization": f"Bearer {self.admin}", "Content-Type": "application/merge-patch+json"})
        except TRANSPORT_ERRORS as error:
            self.transport_error(started, client.generation, error, "policy patch")
            return
        if status != 200:
            self.failures.add(f"PATCH /v1/policy answered {status}: {raw[:300]!r}")
        else:
            self.count("policy patches acknowledged")

    def pick_pass(self, rng):
        with self.lock:
            pool = list(self.hot) if (self.hot and rng.random() < 0.6) else self.redeemable
            for _ in range(6):
                if not pool:
                    return None
                record = pool[rng.randrange(len(pool))]
                # Up to 3 redeems beyond maxUses on purpose.
                if record.sent < record.max_uses + 3:
                    record.sent += 1
                    return record
                pool = self.redeemable
            return None

    def redeem(self, client, rng, record):
        value = record.passvalue
        form = rng.random()
        if form < 0.3:
            value = value.replace("-", "").lower()
        elif form < 0.5:
            value = value.replace("-", "")
        started = self.server.state()
        self.count("redeems sent")
        try:
            status, raw, _ = client.call(
                "POST", "/v1/redeem", {"userPrincipalName": record.user, "temporaryAccessPass": value})
        except TRANSPORT_ERRORS as error:
            self.transport_error(started, client.generation, error, f"redeem of {record.id}")
            if not isinstance(error, ConnectionRefusedError):
                with self.lock:
                    record.in_doubt += 1
                    self.c["redeems in doubt"] += 1
            return
        if status == 200:
            try:
                answer = json.loads(raw)
                token = answer["sessionToken"]
                sid = answer["session"]["id"]
            except (ValueError, KeyError, TypeError) as error:
                self.failures.add(f"redeem of {record.id} answered 200 with an unreadable body ({error!r}): {raw[:300]!r}")
                return
            if sid != record.id:
                self.failures.add(f"redeem of {record.user}'s pass admitted session {sid}, not {record.id}")
            with self.lock:
                record.ok += 1
                record.tokens.append(token)
                self.c["redeems acknowledged (200)"] += 1
        elif status == 401:
            with self.lock:
                record.refused += 1
                self.c["redeems refused (401)"] += 1
        else:
            self.failures.add(f"redeem of {record.id} answered {status}: {raw[:300]!r}")

    def worker(self, index):
        rng = random.Random(self.seed * 1009 + index)
        client = Client(self.server.port, self.server)
        while not self.stop.is_set():
            up, _ = self.server.state()
            if not up and rng.random() < 0.8:
                # Mostly wait while the server is down, but keep knocking so requests land during start-up.
                time.sleep(0.02)
                continue
            retry = None
            if up:
                with self.lock:
                    if self.pending_retries and rng.random() < 0.5:
                        retry = self.pending_retries.pop(rng.randrange(len(self.pending_retries)))
            before = self.c["connection errors"]
            choice = rng.random()
            if retry is not None:
                self.create(client, rng, retry)
            elif choice < 0.01:
                self.patch_policy(client, rng)
            elif choice < 0.36:
                self.create(client, rng)
            else:
                record = self.pick_pass(rng)
                if record is None:
                    self.create(client, rng)
                else:
                    self.redeem(client, rng, record)
            if self.c["connection errors"] != before:
                time.sleep(0.01 + rng.random() * 0.03)
        client.close()

    def start(self):
        for i in range(self.workers):
            t = threading.Thread(target=self.worker, args=(i,), name=f"driver-{i}", daemon=True)
            t.start()
            self.threads.append(t)

    def finish(self):
        self.stop.set()
        for t in self.threads:
            t.join(timeout=REQUEST_TIMEOUT + 5)
            if t.is_alive():
                self.failures.add(f"{t.name} did not stop (a request hangs)")

    def resolve_retries(self, deadline):
        """Keyed creates that got no answer are retried with the same key until they get one."""
        client = Client(self.server.port, self.server)
        rng = random.Random(self.seed)
        while time.monotonic() < deadline:
            with self.lock:
                if not self.pending_retries:
                    break
                retry = self.pending_retries.pop()
            self.create(client, rng, retry)
        client.close()
        with self.lock:
            left = len(self.pending_retries)
        if left:
            self.failures.add(f"{left} idempotent create retries never got an answer")


def crash_phase(args, server, driver, failures, rng, deadline):
    """Kills the server `args.kills` times at random moments, restarting it each time."""
    kills = 0
    restart_times = []
    driver.start()
    while kills < args.kills:
        now = time.monotonic()
        remaining = deadline - now
        if remaining <= 0:
            failures.add(f"only {kills} of {args.kills} kills fitted in the time budget")
            break
        # Spread the kills over the remaining budget (1.8 s at most between kills), leaving time to restart.
        mean_restart = (sum(restart_times) / len(restart_times)) if restart_times else 1.0
        slot = remaining / (args.kills - kills) - mean_restart
        top = max(0.15, min(1.8, slot))
        kind = rng.random()
        if kind < 0.10:
            uptime, label = rng.uniform(0.0, 0.10), "just after readiness"
        else:
            uptime, label = rng.uniform(0.1, top), "under load"
        end = time.monotonic() + uptime
        while time.monotonic() < end:
            if not server.alive():
                failures.add(f"the server exited on its own with code {server.proc.returncode} "
                             f"(log {os.path.basename(server.log_paths[-1])}):\n{tail(server.log_paths[-1])}")
                return kills
            time.sleep(min(0.02, max(0.0, end - time.monotonic())))
        server.kill9()
        kills += 1
        t0 = time.monotonic()
        server.start()
        if rng.random() < 0.10:
            # Sometimes kill it again while it is still starting (opening the database, binding the port).
            time.sleep(rng.uniform(0.0, 0.1))
            server.kill9()
            kills += 1
            label += ", then again during start-up"
            server.start()
        if not server.wait_ready():
            failures.add(f"the server did not become ready after kill {kills} "
                         f"(exit code {server.proc.poll()}):\n{tail(server.log_paths[-1])}")
            return kills
        restart_times.append(time.monotonic() - t0)
        if args.verbose:
            log(f"kill {kills} ({label}, after {uptime:.2f} s); ready again in {restart_times[-1]:.2f} s")
    # Some load on the last incarnation too.
    time.sleep(0.5)
    if restart_times:
        log(f"{kills} kills; restart to ready took {min(restart_times):.2f}-{max(restart_times):.2f} s "
            f"(mean {sum(restart_times) / len(restart_times):.2f} s)")
    return kills
