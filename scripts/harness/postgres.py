"""Several TapStation instances on a real PostgreSQL, for the end-to-end scripts (postgres-e2e,
postgres-crash-test).

`Server`: a server from Debian's `postgresql` package, `initdb` on a temporary directory and `pg_ctl start` on a
free loopback port, as the package's `postgres` user when run as root (initdb and pg_ctl refuse root). Trust
authentication on loopback only; stopped in immediate mode. `prepare` sets a database up as deploy/README.md
says (owner and app roles, migrate as the owner, the secret copied); `Instance` is one `tapstation serve`."""

import glob
import os
import shutil
import signal
import subprocess
import tempfile
import time

from harness import server


def binaries():
    """The newest installed server's bin directory; raises `RuntimeError` when there is none."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda path: int(path.split("/")[4]))
    if not found:
        raise RuntimeError("no PostgreSQL server in /usr/lib/postgresql: apt-get install postgresql")
    return os.path.dirname(found[-1])


class Server:
    """One server; `with Server() as pg:` stops it and removes its files at the end."""

    user = "tapstation"

    def __init__(self):
        self.bin = binaries()
        self.directory = tempfile.mkdtemp(prefix="tapstation-pg-")
        self.port = server.free_port()

    def _as_server(self, program, *arguments):
        command = [os.path.join(self.bin, program), *arguments]
        if os.getuid() == 0:
            command = ["/usr/sbin/runuser", "-u", "postgres", "--", *command]
        # Output to a file: `pg_ctl start` leaves the server holding whatever pipe it was given.
        with open(os.path.join(self.directory, program + ".out"), "w") as out:
            subprocess.run(command, check=True, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                           timeout=120)

    def start(self):
        if os.getuid() == 0:
            shutil.chown(self.directory, "postgres", "postgres")
        self._as_server("initdb", "-D", self.directory + "/data", "-A", "trust", "-U", self.user,
                        "--no-instructions", "-E", "UTF8")
        self._pg_ctl_start()
        return self

    def _pg_ctl_start(self):
        self._as_server("pg_ctl", "-D", self.directory + "/data", "-l", self.directory + "/server.log", "-w",
                        "-t", "60", "start", "-o",
                        f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1")

    def restart_immediately(self):
        """Stops the server as a crash would and starts it again."""
        self.stop_immediately()
        self._pg_ctl_start()

    def stop_immediately(self):
        """Stops the server as a crash would (`start_again` brings it back)."""
        self._as_server("pg_ctl", "-D", self.directory + "/data", "-m", "immediate", "-w", "stop")

    def start_again(self):
        self._pg_ctl_start()

    def stop(self):
        try:
            self._as_server("pg_ctl", "-D", self.directory + "/data", "-m", "immediate", "-w", "stop")
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
            pass
        shutil.rmtree(self.directory, ignore_errors=True)

    def psql(self, sql=None, database="postgres", user=None, file=None, check=True):
        """Runs `sql` (or the script `file`) as `user` (default the superuser) and answers its rows as tuples of
        text (unaligned, no headers); with `check=False`, the finished process instead."""
        source = ["-f", file] if file else ["-c", sql]
        done = subprocess.run(
            [os.path.join(self.bin, "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", user or self.user,
             "-d", database, "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1", *source],
            check=check, capture_output=True, text=True, timeout=60)
        if not check:
            return done
        return [tuple(line.split("\t")) for line in done.stdout.splitlines() if line]

    def dump(self, database):
        """`pg_dump` of `database` as SQL text."""
        done = subprocess.run(
            [os.path.join(self.bin, "pg_dump"), "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user,
             database], check=True, capture_output=True, text=True, timeout=120)
        return done.stdout

    def url(self, database, user=None):
        return f"postgres://{user or self.user}@127.0.0.1:{self.port}/{database}"

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class Failure(Exception):
    """A step of an end-to-end script did not hold."""


def check(condition, message):
    if not condition:
        raise Failure(message)


def wait_for(predicate, seconds, message):
    """Polls `predicate` every 0.2 s until it holds; raises `Failure(message)` after `seconds`. A `message` that
    reads state should be a function, called at the failure: an f-string is made before the wait starts."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise Failure(message() if callable(message) else message)


DEPLOY = os.path.join(server.REPO, "deploy")


def prepare(pg, binary, work, names, **settings):
    """The database `tapstation` set up with deploy/postgres-roles.sql, migrated as its owner (which makes the
    server secret in the first instance's data directory), the audit grants applied, and one `Instance` per name
    sharing that secret, connecting as the app role with `settings`. Answers (instances, env, owner_env)."""
    pg.psql(file=os.path.join(DEPLOY, "postgres-roles.sql"))
    owner_env = server.clean_env(TAPSTATION_DATABASE_URL=pg.url("tapstation", user="tapstation_owner"))
    env = server.clean_env(TAPSTATION_DATABASE_URL=pg.url("tapstation", user="tapstation_app"), **settings)
    instances = [Instance(name, binary, work, env) for name in names]
    return instances, env, owner_env


def migrate_and_share_secret(pg, binary, instances, owner_env):
    """`tapstation migrate` as the owner into the first instance's data directory, the audit grants, and the
    secret copied to the others. Answers the migrate run."""
    migrated = server.run(binary, "migrate", "--data-dir", instances[0].data, env=owner_env, timeout=120)
    check(migrated.returncode == 0, f"migrate failed: {migrated.stderr}")
    pg.psql(file=os.path.join(DEPLOY, "postgres-audit-grants.sql"), database="tapstation")
    for instance in instances[1:]:
        os.makedirs(instance.data, mode=0o700, exist_ok=True)
        shutil.copy2(os.path.join(instances[0].data, "server.key"), os.path.join(instance.data, "server.key"))
    return migrated


class Instance:
    """One `tapstation serve` on its own data directory and port, one of several on a database."""

    def __init__(self, name, binary, work, env):
        self.name, self.binary, self.env = name, binary, env
        self.data = os.path.join(work, name)
        self.log_path = os.path.join(work, name + ".log")
        self.port = server.free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = None

    def start(self):
        log = open(self.log_path, "a")
        self.process = server.start(self.binary, self.data, self.port, log, env=self.env)
        if not server.wait_ready(self.port, self.process, timeout=30):
            raise Failure(f"{self.name} did not become ready")

    def stop(self, how=signal.SIGTERM):
        if self.process and self.process.poll() is None:
            self.process.send_signal(how)
            self.process.wait(timeout=30)
            if how == signal.SIGTERM and self.process.returncode != 0:
                raise Failure(f"{self.name} exited {self.process.returncode} on SIGTERM")
        self.process = None

    def log(self):
        with open(self.log_path, errors="replace") as file:
            return file.read()
