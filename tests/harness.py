"""What the process-level Python suites share (tests/faults, tests/instances):
counting checks, ports, a private PostgreSQL cluster, HTTP calls, tokens.

Plain Python 3, no packages.
"""

import base64
import glob
import hashlib
import hmac
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
BIN = os.environ.get("TODO_API_BIN", os.path.join(REPO, "target/debug/todo_api-cli"))
DEVELOPMENT_SECRET = "development-only-secret-never-use-in-production"

_counts = {"passed": 0, "failed": 0}


def check(name, ok, detail=""):
    if ok:
        _counts["passed"] += 1
        print(f"ok   {name}", flush=True)
    else:
        _counts["failed"] += 1
        print(f"FAIL {name}{': ' + detail if detail else ''}", flush=True)


def finish(suite):
    """Prints the closing "N passed, M failed" line and exits accordingly."""
    print(f"{suite}: {_counts['passed']} passed, {_counts['failed']} failed")
    sys.exit(0 if _counts["failed"] == 0 and _counts["passed"] > 0 else 1)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pg_bin(name):
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        sys.exit(f"{name} not found (PostgreSQL server binaries are required)")
    return found[-1]


def as_postgres(args, **kwargs):
    """PostgreSQL refuses to run as root: run its tools as `postgres`."""
    if os.geteuid() == 0:
        args = ["runuser", "-u", "postgres", "--"] + args
    return subprocess.run(args, check=True, capture_output=True, text=True, **kwargs)


class PrivatePostgres:
    """A PostgreSQL cluster of its own (initdb into `work`, its own port),
    so the shared server is untouched and it can be stopped at will."""

    def __init__(self, work):
        os.chmod(work, 0o777)
        self.data = os.path.join(work, "data")
        self.port = free_port()
        self.pg_ctl = pg_bin("pg_ctl")
        log = os.path.join(work, "postgres.log")
        self.start_args = [self.pg_ctl, "-D", self.data, "-l", log, "-o",
                           f"-p {self.port} -k {work} -c listen_addresses=127.0.0.1", "-w", "start"]
        as_postgres([pg_bin("initdb"), "-D", self.data, "-A", "trust", "-U", "postgres"])
        self.start()

    def start(self):
        as_postgres(self.start_args)

    def stop(self, mode="fast"):
        as_postgres([self.pg_ctl, "-D", self.data, "-m", mode, "-w", "stop"])

    def createdb(self, name):
        as_postgres([pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name])
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def close(self):
        try:
            self.stop("immediate")
        except Exception:
            pass


def http(method, url, token=None, body=None, timeout=5):
    """(status or None, body text, headers, seconds)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode(), response.headers, time.monotonic() - started
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), error.headers, time.monotonic() - started
    except Exception as error:  # connection refused, timeout: no HTTP answer
        return None, str(error), {}, time.monotonic() - started


def hs256_token(user, secret=DEVELOPMENT_SECRET, seconds=3600):
    """An HS256 token for `user`, as a frontend signing its own would make."""
    def b64(raw):
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    now = int(time.time())
    body = b64(json.dumps({"sub": user, "iat": now, "exp": now + seconds}).encode())
    signature = hmac.new(secret.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(signature)}"


def start_service(port, env_extra, log_path):
    """`todo_api-cli start` in development on `port`; waits for /_ping."""
    env = dict(os.environ, LOCO_ENV="development", PORT=str(port), BINDING="127.0.0.1",
               RATE_LIMIT_PER_SECOND="0", BETTER_AUTH_URL="", LOG_LEVEL="warn",
               BETTER_AUTH_SECRET=DEVELOPMENT_SECRET)
    env.update(env_extra)
    log = open(log_path, "w")
    process = subprocess.Popen([BIN, "start"], cwd=REPO, env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        if http("GET", f"{base}/_ping")[0] == 200:
            return process, base
        if process.poll() is not None:
            break
        time.sleep(0.1)
    raise RuntimeError(f"the service on port {port} did not start (see {log_path})")
