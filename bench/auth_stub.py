#!/usr/bin/env python3
"""Stands in for Better Auth during the benchmark: serves the JWKS of the
fixture Ed25519 key at /api/auth/jwks, and answers /api/auth/get-session
for the bench's session tokens (`sess_<user>_bench`) with a session of that
user. Counts the session checks (GET /calls).

  bench/auth_stub.py PORT
"""

import json
import sys
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

jwk = json.load(open("tests/fixtures/keys/jwk.json"))["ed25519"]
jwk.pop("d", None)
jwk.update({"alg": "EdDSA", "kid": "bench-key"})
JWKS = json.dumps({"keys": [jwk]}).encode()
calls = 0


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, body):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        global calls
        if self.path == "/api/auth/jwks":
            return self.answer(200, JWKS)
        if self.path == "/calls":
            return self.answer(200, str(calls).encode())
        if self.path == "/api/auth/get-session":
            calls += 1
            token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
            if token.startswith("sess_") and token.endswith("_bench"):
                user = token[len("sess_"):-len("_bench")]
                expires = (datetime.now(timezone.utc) + timedelta(days=7)).isoformat()
                return self.answer(200, json.dumps(
                    {"session": {"expiresAt": expires}, "user": {"id": user}}).encode())
            return self.answer(200, b"null")
        self.answer(404, b"{}")


ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
