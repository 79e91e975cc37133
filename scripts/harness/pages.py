"""Console pages driven like a person does it, for scripts/console-admin-e2e: a navigation or a form's submit
with the HTTP status the browser got (and the redirects on the way, read from the DevTools Network events), a
fresh proof (the page's "Confirm it is you" button, a passkey touch on the virtual authenticator) when a write
asks for one, and a form posted with `fetch` from the page itself (its origin, its cookie, its CSRF token)."""

import json

from harness import check


# The page's CSRF token (its `csrf-token` meta element), or an error that says which page has none.
CSRF = ("(document.querySelector('meta[name=\"csrf-token\"]') || {get content() {"
        " throw new Error('no csrf-token on ' + location.href + ': ' + document.title); }}).content")


class Navigation:
    """Where a navigation ended: the final document's status and URL, and the redirects met on the way as
    (status, from URL) pairs."""

    def __init__(self, status, url, redirects):
        self.status = status
        self.url = url
        self.redirects = redirects

    def __repr__(self):
        return f"Navigation({self.status} {self.url}, redirects {self.redirects})"


def _navigation(events):
    status, url, redirects = None, None, []
    for event in events:
        method, params = event.get("method"), event.get("params", {})
        if params.get("type") != "Document":
            continue
        if method == "Network.requestWillBeSent" and "redirectResponse" in params:
            redirects.append((params["redirectResponse"]["status"], params["redirectResponse"]["url"]))
        elif method == "Network.responseReceived":
            status, url = params["response"]["status"], params["response"]["url"]
    return Navigation(status, url, redirects)


def navigate(devtools, script, timeout=30):
    """Runs `script` (which clicks a button, submits a form or assigns `location`) and waits for the next page's
    load event; the `Navigation` that brought it. The tab must have Page and Network events on."""
    devtools.events = [e for e in devtools.events if e.get("method") != "Page.loadEventFired"]
    mark = len(devtools.events)
    devtools.evaluate(script)
    devtools.wait_event("Page.loadEventFired", timeout)
    return _navigation(devtools.events[mark:])


def visit(console, path):
    """Opens `path` on the console; its `Navigation`."""
    return navigate(console.devtools, f"location.assign({json.dumps(console.base + path)})")


def click(selector):
    """A script that presses the element `selector` (an error that names it when the page has none)."""
    return f"""(() => {{
        const element = document.querySelector({json.dumps(selector)});
        if (!element) throw new Error('nothing to press at ' + {json.dumps(selector)});
        element.click();
    }})()"""


def fill_and_submit(form_selector, values, button=None):
    """A script that sets `values` ({field name: value}; True/False tick a checkbox) in the form `form_selector`
    and presses its submit button (or `button`, a selector inside the form)."""
    return f"""(() => {{
        const form = document.querySelector({json.dumps(form_selector)});
        if (!form) throw new Error('no form ' + {json.dumps(form_selector)});
        const values = {json.dumps(values)};
        for (const [name, value] of Object.entries(values)) {{
            const field = form.elements.namedItem(name);
            if (!field) throw new Error('no field ' + name);
            if (field.type === 'checkbox') field.checked = value === true; else field.value = value;
        }}
        form.querySelector({json.dumps(button or "button[type=submit]")}).click();
    }})()"""


def step_up(console):
    """Presses the page's "Confirm with my passkey" button and waits until the touch is done."""
    console.devtools.evaluate("(() => { const s = document.getElementById('status'); if (s) s.dataset.state = '';"
                              " document.getElementById('step-up').click(); })()")
    state, text = console.status()
    check(state == "done", f"the step-up ended in {state}: {text}")


class Writer:
    """Submits admin forms; when a write answers 403 with the page's "Confirm it is you" section, confirms with
    the passkey and submits again (counted in `step_ups`)."""

    def __init__(self):
        self.step_ups = 0

    def submit(self, console, script):
        landed = navigate(console.devtools, script)
        if landed.status == 403 and console.devtools.evaluate("document.getElementById('step-up') !== null"):
            self.step_ups += 1
            step_up(console)
            landed = navigate(console.devtools, script)
        return landed


def post_form(devtools, path, fields):
    """POSTs `fields` (plus the page's CSRF token from its `csrf-token` meta) as a form with `fetch` from the page
    the tab shows, as the page's own script would; (status, body text)."""
    return devtools.evaluate(f"""(async () => {{
        const body = new URLSearchParams({json.dumps(fields)});
        body.set('csrf', {CSRF});
        const reply = await fetch({json.dumps(path)}, {{method: 'POST', body, credentials: 'same-origin',
                                                        redirect: 'manual', cache: 'no-store'}});
        return [reply.status, await reply.text()];
    }})()""")


def post_form_navigating(devtools, path, fields):
    """Builds a form in the page with `fields` and the page's CSRF token and submits it (a navigation, as a
    button press would be); the `Navigation`."""
    return navigate(devtools, f"""(() => {{
        const form = document.createElement('form');
        form.method = 'post';
        form.action = {json.dumps(path)};
        const fields = Object.assign({json.dumps(fields)},
            {{csrf: {CSRF}}});
        for (const [name, value] of Object.entries(fields)) {{
            const input = document.createElement('input');
            input.type = 'hidden';
            input.name = name;
            input.value = value;
            form.appendChild(input);
        }}
        document.body.appendChild(form);
        form.submit();
    }})()""")
