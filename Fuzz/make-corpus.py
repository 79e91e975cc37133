#!/usr/bin/env python3
"""Writes the seed corpus of the FuzzWebAuthn target from the Chromium-recorded vectors.

    python3 Fuzz/make-corpus.py    # rewrites Fuzz/corpus/

Each file is one selector byte (see Sources/FuzzWebAuthn/FuzzWebAuthn.swift) followed by a parser's input, taken
from Tests/WebAuthnTests/Vectors/ChromiumVectors.swift (recorded by record-chromium.py from headless Chromium's
virtual authenticator; nothing copied from another project): attestation objects, client data, authenticator
data and the posted credential JSON, plus a few hand-written edge inputs.
"""
import base64
import os
import re
import shutil

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VECTORS = os.path.join(ROOT, "Tests/WebAuthnTests/Vectors/ChromiumVectors.swift")
OUT = os.path.join(ROOT, "Fuzz/corpus")


def b64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def auth_data(attestation_object):
    """The authData byte string of an attestation object (its key, then a CBOR byte-string head)."""
    at = attestation_object.index(b"hauthData") + len(b"hauthData")
    head = attestation_object[at]
    if head == 0x58:
        return attestation_object[at + 2:at + 2 + attestation_object[at + 1]]
    if head == 0x59:
        length = int.from_bytes(attestation_object[at + 1:at + 3], "big")
        return attestation_object[at + 3:at + 3 + length]
    raise ValueError("unexpected authData head")


def main():
    source = open(VECTORS).read()
    names = re.findall(r'name: "([^"]+)"', source)
    registrations = re.findall(r'registrationJSON: #"(.*?)"#', source)
    assertions = re.findall(r'assertionJSON: #"(.*?)"#', source)
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    import json

    def write(name, selector, data):
        with open(os.path.join(OUT, name), "wb") as handle:
            handle.write(bytes([selector]) + data)

    for name, registration, assertion in zip(names, registrations, assertions):
        reg = json.loads(registration)
        obj = b64url(reg["response"]["attestationObject"])
        write(f"{name}-attestation-object", 0, obj)
        write(f"{name}-client-data", 1, b64url(reg["response"]["clientDataJSON"]))
        write(f"{name}-cbor", 2, obj)
        write(f"{name}-registration-auth-data", 3, auth_data(obj))
        write(f"{name}-registration-json", 4, registration.encode())
        asr = json.loads(assertion)
        write(f"{name}-assertion-auth-data", 3, b64url(asr["response"]["authenticatorData"]))
        write(f"{name}-assertion-json", 4, assertion.encode())
    # Hand-written edges: an indefinite-length map, a deep nesting, an empty input, a BOM before client data.
    write("edge-indefinite-map", 2, bytes([0xBF, 0x63]) + b"fmt" + bytes([0x64]) + b"none" + bytes([0xFF]))
    write("edge-nesting", 2, bytes([0x81] * 40))
    write("edge-empty-attestation", 0, b"")
    write("edge-bom-client-data", 1, b"\xef\xbb\xbf" + b'{"type":"webauthn.create","challenge":"AA","origin":"x"}')


if __name__ == "__main__":
    main()
