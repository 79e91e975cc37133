"""The `tapstation` binary: where the build put it, its CLI, and `tapstation serve` on a data directory."""

import http.client
import os
import signal
import socket
import subprocess
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Errors that mean "no complete answer": the request may or may not have reached the server.
TRANSPORT_ERRORS = (OSError, http.client.HTTPException)


def free_port():
    """A loopback TCP port nobody listens on at this moment."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def bin_path(release=False, timeout=None):
    """The build directory: `TAPSTATION_BIN_PATH` when set (scripts/test runs every script on one release build),
    else the one `swift build --show-bin-path` names; raises `OSError`, `CalledProcessError` or `TimeoutExpired`
    when swift cannot say."""
    if os.environ.get("TAPSTATION_BIN_PATH"):
        return os.environ["TAPSTATION_BIN_PATH"]
    command = ["swift", "build", *(["-c", "release"] if release else []), "--show-bin-path"]
    done = subprocess.run(command, cwd=REPO, check=True, capture_output=True, text=True, timeout=timeout)
    return done.stdout.strip()


def default_binary(release=False, timeout=None):
    """`tapstation` in the build directory (nothing is built)."""
    return os.path.join(bin_path(release, timeout), "tapstation")


def clean_env(**settings):
    """This process's environment without any `TAPSTATION_*` variable, plus `settings`: only what the
    harness sets may change the server."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("TAPSTATION_")}
    env.update(settings)
    return env


def run(binary, *arguments, env=None, cwd=None, timeout=60):
    """`tapstation ARGUMENTS`, its output captured as text; the caller reads the exit code."""
    return subprocess.run([binary, *arguments], env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)


def create_operator(binary, data_dir, name, role, *extra, env=None, cwd=None):
    """`tapstation operator create` on `data_dir`; the token it prints. Raises `CalledProcessError` on failure."""
    arguments = ["operator", "create", "--name", name, "--role", role, *extra, "--data-dir", data_dir]
    done = run(binary, *arguments, env=env, cwd=cwd)
    done.check_returncode()
    return done.stdout.strip()


def start(binary, data_dir, port, log, *extra, env=None, **popen):
    """Starts `tapstation serve --data-dir DATA --port PORT [EXTRA]`, stdout and stderr to `log` (a file)."""
    command = [binary, "serve", "--data-dir", data_dir, *extra, "--port", str(port)]
    return subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env, **popen)


def is_ready(port, timeout=2.0):
    """Whether GET /readyz on the loopback port answers 200."""
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        try:
            connection.request("GET", "/readyz")
            response = connection.getresponse()
            response.read()
            return response.status == 200
        finally:
            connection.close()
    except TRANSPORT_ERRORS:
        return False


def wait_ready(port, process=None, timeout=20.0, interval=0.05, request_timeout=2.0):
    """Polls GET /readyz until it answers 200 (True), `process` exits or `timeout` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            return False
        if is_ready(port, request_timeout):
            return True
        time.sleep(interval)
    return False


def stop(process, timeout=20.0):
    """SIGTERM, then the exit code; after `timeout` seconds SIGKILL, and None."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return None
