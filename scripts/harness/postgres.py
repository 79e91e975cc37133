"""A real PostgreSQL server for an end-to-end script, from Debian's `postgresql` package: `initdb` on a temporary
directory and `pg_ctl start` on a free loopback port, as the package's `postgres` user when run as root (initdb
and pg_ctl refuse root). Trust authentication on loopback only; stopped in immediate mode."""

import glob
import os
import shutil
import subprocess
import tempfile

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
        self._as_server("pg_ctl", "-D", self.directory + "/data", "-m", "immediate", "-w", "stop")
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
