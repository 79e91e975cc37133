"""A webhook receiver on loopback for the end-to-end scripts: an `http.server` thread that keeps every POST
(path, headers, body) and answers 204 (500 on the paths in `failing`), and the receiver's check of TapStation's
signature header."""

import hashlib
import hmac
import http.server
import threading
import time


class Receiver:
    """Listens on 127.0.0.1 (a free port); `posts` holds what arrived, in order, with the status answered."""

    def __init__(self):
        self.posts = []
        self.failing = set()
        self.lock = threading.Lock()
        received = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the standard library's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status = 500 if self.path in received.failing else 204
                with received.lock:
                    headers = {key.lower(): value for key, value in self.headers.items()}
                    received.posts.append({"path": self.path, "headers": headers, "body": body, "status": status})
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.url = f"{self.base}/hooks/tapstation"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def wait(self, predicate, timeout=15.0):
        """The first POST for which `predicate(post)` holds, waiting up to `timeout` seconds; None if none came."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                for post in self.posts:
                    if predicate(post):
                        return post
            time.sleep(0.1)
        return None

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def signature_holds(secret, headers, body, window=300):
    """Whether `X-TapStation-Signature` (`t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`) is the secret's
    signature of this body, made within `window` seconds."""
    parts = dict(item.split("=", 1) for item in headers.get("x-tapstation-signature", "").split(",") if "=" in item)
    if "t" not in parts or "v1" not in parts or not parts["t"].isdigit():
        return False
    if abs(time.time() - int(parts["t"])) > window:
        return False
    expected = hmac.new(secret.encode(), parts["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])
