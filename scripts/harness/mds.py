"""A FIDO metadata service for end-to-end tests: a root and a signing certificate made with the `openssl` command
line (an implementation independent of TapStation's), BLOBs signed as FIDO signs them (an RS256 JWS whose `x5c`
holds the signer), the root's revocation list, and a loopback HTTP server that serves them."""

import base64
import functools
import http.server
import json
import os
import subprocess
import threading


def _b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class TestMetadataService:
    def __init__(self, directory):
        self.directory = directory
        self.public = os.path.join(directory, "public")
        os.makedirs(self.public, exist_ok=True)
        self._openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "root.key", "-out", "root.pem",
                      "-days", "3650", "-subj", "/CN=E2E Metadata Root",
                      "-addext", "basicConstraints=critical,CA:TRUE",
                      "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        self._openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "signer.key", "-out", "signer.csr",
                      "-subj", "/CN=E2E Metadata Signer")
        with open(os.path.join(directory, "signer.ext"), "w") as file:
            file.write("basicConstraints=CA:FALSE\n")
        self._openssl("x509", "-req", "-in", "signer.csr", "-CA", "root.pem", "-CAkey", "root.key",
                      "-CAcreateserial", "-out", "signer.pem", "-days", "365", "-extfile", "signer.ext")
        # An empty revocation list of the root, in DER as CAs publish it.
        with open(os.path.join(directory, "ca.cnf"), "w") as file:
            file.write("[ca]\ndefault_ca = e2e\n[e2e]\ndatabase = index.txt\ncrlnumber = crlnumber\n"
                       "default_md = sha256\ndefault_crl_days = 30\n")
        open(os.path.join(directory, "index.txt"), "w").close()
        with open(os.path.join(directory, "crlnumber"), "w") as file:
            file.write("01\n")
        self._openssl("ca", "-gencrl", "-config", "ca.cnf", "-keyfile", "root.key", "-cert", "root.pem",
                      "-out", "root.crl.pem")
        self._openssl("crl", "-in", "root.crl.pem", "-outform", "DER", "-out", os.path.join(self.public, "root.crl"))
        self.root_pem = os.path.join(directory, "root.pem")
        self.crl = os.path.join(self.public, "root.crl")
        self.server = None

    def _openssl(self, *arguments, data=None):
        return subprocess.run(["openssl", *arguments], cwd=self.directory, input=data, capture_output=True,
                              check=True).stdout

    def blob(self, number, entries, next_update="2046-01-01"):
        """A signed BLOB with `entries` (FIDO's entry objects)."""
        der = self._openssl("x509", "-in", "signer.pem", "-outform", "DER")
        header = {"alg": "RS256", "typ": "JWT", "x5c": [base64.b64encode(der).decode()]}
        payload = {"legalHeader": "E2E test metadata", "no": number, "nextUpdate": next_update, "entries": entries}
        signing_input = (_b64url(json.dumps(header).encode()) + "." + _b64url(json.dumps(payload).encode())).encode()
        signature = self._openssl("dgst", "-sha256", "-sign", "signer.key", data=signing_input)
        return signing_input + b"." + _b64url(signature).encode()

    @staticmethod
    def entry(aaguid, name, statuses):
        """A FIDO2 model's entry with its status reports, oldest first (no attestation roots of its own)."""
        return {"aaguid": aaguid,
                "metadataStatement": {"description": name, "aaguid": aaguid, "schema": 3, "protocolFamily": "fido2"},
                "statusReports": [{"status": status, "effectiveDate": "2026-01-15"} for status in statuses],
                "timeOfLastStatusChange": "2026-01-15"}

    def publish(self, name, data):
        """Writes `data` where the HTTP server serves it; returns its path on disk."""
        path = os.path.join(self.public, name)
        with open(path, "wb") as file:
            file.write(data)
        return path

    def serve(self):
        """Serves the public directory on a loopback port; returns its base URL."""
        handler = functools.partial(_QuietHandler, directory=self.public)
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *arguments):
        pass
