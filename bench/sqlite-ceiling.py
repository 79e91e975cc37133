#!/usr/bin/env python3
"""The storage ceiling: single-row commits per second into a WAL database with synchronous=FULL, through the
same system libsqlite3 the service links. Prints `RESULT commits_per_second=N`."""
import os, sqlite3, sys, tempfile, time

seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 5
with tempfile.TemporaryDirectory() as directory:
    db = sqlite3.connect(os.path.join(directory, "ceiling.sqlite"), isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, value TEXT NOT NULL)")
    count, start = 0, time.monotonic()
    while time.monotonic() - start < seconds:
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO t (value) VALUES (?)", ("x" * 64,))
        db.execute("COMMIT")
        count += 1
    print(f"RESULT commits_per_second={count / (time.monotonic() - start):.0f}")
