"""Helpers shared by the Python harnesses under scripts/ and bench/ (standard library only).

A harness puts the scripts directory on `sys.path` and imports what it needs:

    sys.path.insert(0, os.path.join(ROOT, "scripts"))
    from harness import api, server

`server` finds the binary, picks free ports, runs the CLI and starts, waits for and stops `tapstation serve`;
`api` makes one JSON call; `chromium` drives headless Chromium over its DevTools pipe; `cli` offers the same
to bash scripts; the `crash_*` modules are scripts/crash-test's parts, the `console_admin_*` ones
scripts/console-admin-e2e's steps.
"""


class Failure(Exception):
    """A check of a harness that did not hold."""


def check(condition, message):
    """Raises `Failure(message)` unless `condition` holds."""
    if not condition:
        raise Failure(message)
