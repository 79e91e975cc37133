"""One JSON call to the service's HTTP API."""

import json
import urllib.error
import urllib.request


def call(base, method, path, body=None, token=None, timeout=10):
    """`METHOD base+path` with an optional JSON body and bearer token; answers (status, parsed JSON or None).
    Transport failures raise `OSError` (`urllib.error.URLError`)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, None
