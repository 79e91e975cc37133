"""A terminal program in a tmux pane on a private server socket (as scripts/kiosk-e2e drives `tapkiosk`):
started with a clean environment, typed at with send-keys, read back with capture-pane."""

import os
import shutil
import subprocess
import time

from harness import Failure


def available():
    return shutil.which("tmux") is not None


class Pane:
    """One tmux session `name` on the socket `tapstation-<name>-<pid>`, 80x24, running `command` (a list) with
    exactly `env`; when the program ends the pane stays open and says `exited <code>`."""

    def __init__(self, name, command, env, width=80, height=24):
        self.socket = f"tapstation-{name}-{os.getpid()}"
        self.name = name
        line = " ".join(_quote(part) for part in command)
        settings = " ".join(_quote(f"{key}={value}") for key, value in env.items())
        shell = f"env -i {settings} {line}; echo \"exited $?\"; sleep 600"
        subprocess.run(["tmux", "-L", self.socket, "new-session", "-d", "-s", name, "-x", str(width),
                        "-y", str(height), shell], check=True)

    def _tmux(self, *arguments):
        return subprocess.run(["tmux", "-L", self.socket, *arguments], capture_output=True, text=True)

    def screen(self):
        return self._tmux("capture-pane", "-p", "-t", self.name).stdout

    def wait_for(self, text, timeout=10.0):
        """Waits until the screen shows `text`; the screen."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.2)
        raise Failure(f"the {self.name} screen never showed {text!r}; it shows:\n{self.screen()}")

    def type_line(self, text):
        """Types `text` and Enter, as a person or a barcode scanner does."""
        self._tmux("send-keys", "-t", self.name, "-l", "--", text)
        self._tmux("send-keys", "-t", self.name, "Enter")

    def close(self):
        self._tmux("kill-server")


def _quote(text):
    return "'" + text.replace("'", "'\\''") + "'"
