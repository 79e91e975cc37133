"""Accessibility check with axe-core inside Chromium.

axe-core (Deque Systems, MPL-2.0) is not vendored: `.ci/run` installs the PyPI package `axe-playwright-python`
(pinned, without its Playwright dependency) only for the `axe.min.js` it ships, which is read from the installed
package and evaluated in the page through the DevTools protocol (so the page's Content Security Policy, which
allows no inline or injected script, does not apply to it).
"""

import importlib.util
import json
import os

# What counts as a failure: axe's two highest impacts.
BLOCKING = ("serious", "critical")


def source():
    """The text of axe.min.js from the installed package, or None when it is not installed."""
    spec = importlib.util.find_spec("axe_playwright_python")  # locates without importing (no Playwright needed)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = os.path.join(list(spec.submodule_search_locations)[0], "axe.min.js")
    return open(path, encoding="utf-8").read() if os.path.exists(path) else None


class Checker:
    """Runs axe on the page a DevTools tab shows; remembers every page checked and what blocked."""

    def __init__(self, script):
        self.script = script
        self.pages = []
        self.blocking = []

    def check(self, devtools, label):
        if not devtools.evaluate("typeof window.axe === 'object'"):
            devtools.evaluate(self.script + "\n;true")
        found = devtools.evaluate("""axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help,
            targets: v.nodes.slice(0, 3).map(n => n.target.join(' '))})))""")
        self.pages.append(label)
        for violation in found or []:
            if violation["impact"] in BLOCKING:
                self.blocking.append(f"{label}: {violation['impact']} {violation['id']} ({violation['help']}) at "
                                     + json.dumps(violation["targets"]))
        return found
