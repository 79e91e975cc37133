"""Headless Chromium driven over the DevTools protocol on its pipe (`--remote-debugging-pipe`: NUL-terminated
JSON messages, read by Chromium on fd 3 and written on fd 4), so no debugging port is opened."""

import base64
import json
import os
import select
import shutil
import subprocess
import time

from harness import Failure

BASE_FLAGS = ["--headless=new", "--remote-debugging-pipe", "--no-sandbox", "--disable-gpu", "--no-first-run",
              "--disable-extensions"]


def find():
    """The Chromium executable on PATH (Debian's `chromium`), or None."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


class DevTools:
    """One Chromium process and one attached tab (`session`); commands wait for their answer, and the events
    that arrive meanwhile queue in `events`."""

    def __init__(self, chromium, profile, flags=()):
        to_browser_read, self.to_browser = os.pipe()
        self.from_browser, from_browser_write = os.pipe()

        def wire():
            # Duplicate first: either end may itself be fd 3 or 4.
            read_end, write_end = os.dup(to_browser_read), os.dup(from_browser_write)
            os.dup2(read_end, 3)
            os.dup2(write_end, 4)

        self.process = subprocess.Popen(
            [chromium, *BASE_FLAGS, *flags, f"--user-data-dir={profile}", "about:blank"],
            preexec_fn=wire, close_fds=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_browser_read)
        os.close(from_browser_write)
        self.next_id = 0
        self.buffer = b""
        self.events = []
        self.target = None
        self.session = None

    def send(self, method, params=None, session=True, timeout=30):
        """Sends a command (to the tab when `session` is True and a tab is attached) and returns its result."""
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session is True and self.session:
            message["sessionId"] = self.session
        elif isinstance(session, str):
            message["sessionId"] = session
        os.write(self.to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.time() + timeout
        while time.time() < deadline:
            for reply in self._read(deadline):
                if reply.get("id") == self.next_id:
                    if "error" in reply:
                        raise Failure(f"{method}: {reply['error']}")
                    return reply.get("result", {})
                self.events.append(reply)
        raise Failure(f"{method}: no answer in {timeout} s")

    def _read(self, deadline):
        ready, _, _ = select.select([self.from_browser], [], [], max(0.0, deadline - time.time()))
        if not ready:
            return []
        chunk = os.read(self.from_browser, 1 << 20)
        if not chunk:
            raise Failure("Chromium closed the DevTools pipe")
        self.buffer += chunk
        messages = []
        while b"\0" in self.buffer:
            raw, self.buffer = self.buffer.split(b"\0", 1)
            messages.append(json.loads(raw))
        return messages

    def wait_event(self, method, timeout=30):
        """The first queued or next event named `method`, taken off the queue."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            for index, event in enumerate(self.events):
                if event.get("method") == method:
                    del self.events[index]
                    return event
            self.events.extend(self._read(min(deadline, time.time() + 0.5)))
        raise Failure(f"no {method} in {timeout} s")

    def attach_tab(self):
        """Opens a blank tab and makes it the target of later commands."""
        self.target = self.send("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": self.target, "flatten": True},
                                 session=False)["sessionId"]
        return self.session

    def open_tab(self, width, height):
        """A tab with page events on, showing a desktop screen of `width` x `height`."""
        self.attach_tab()
        self.send("Page.enable")
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})

    def navigate(self, url):
        """Loads `url` in the tab and waits for its load event."""
        self.events = [e for e in self.events if e.get("method") != "Page.loadEventFired"]
        self.send("Page.navigate", {"url": url})
        self.wait_event("Page.loadEventFired")

    def evaluate(self, expression):
        """The value of a JavaScript expression in the tab (promises awaited)."""
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            raise Failure(f"script failed: {details.get('text')} {json.dumps(details.get('exception', {}))[:500]}")
        return result["result"].get("value")

    def wait_for(self, expression, timeout=15):
        """Waits until the expression is truthy in the tab."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.evaluate(expression):
                return
            time.sleep(0.2)
        raise Failure(f"timed out waiting for {expression}")

    def screenshot(self, path, full_page=False):
        """Writes a PNG of the tab to `path`."""
        params = {"format": "png"}
        if full_page:
            params["captureBeyondViewport"] = True
        data = self.send("Page.captureScreenshot", params)["data"]
        with open(path, "wb") as file:
            file.write(base64.b64decode(data))

    def close(self):
        """Asks Chromium to quit, and kills it when it does not within 10 s."""
        try:
            self.send("Browser.close", session=False, timeout=5)
        except Exception:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
