#!/usr/bin/env python3
"""Two instances of the service on one PostgreSQL, as a real deployment
runs them: the change feed and reminders across instances.

Runs a private PostgreSQL cluster and two processes of the service (ports
A and B) on it, then checks:
- a stream held on B sees a write made through A within 1 s;
- /mcp is stateless: initialize on B, a tool call on A with no handshake
  there, and the tool's write is on B's stream;
- 20 reminders due while both run fire exactly once each;
- writes racing through both instances leave feed ids 1..N, no gap, no
  repeat;
- PostgreSQL restarts under an open stream: the stream (reconnecting with
  Last-Event-ID, as a browser does) and B's LISTEN connection come back, and
  nothing written meanwhile is lost.

Usage: python3 tests/instances/run.py (from the repository root; the service
binary must be built: target/debug/todo_api-cli). Closes with
"instances: N passed, M failed".
"""

import json
import os
import shutil
import socket
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from harness import (  # noqa: E402
    BIN, PrivatePostgres, check, finish, free_port, hs256_token, http, start_service,
)


class Stream:
    """A Server-Sent Events stream read on a thread, reconnecting after the
    last id it saw, as a browser's EventSource does."""

    def __init__(self, base, user, token, after=None):
        self.host, self.port = base.replace("http://", "").split(":")
        self.user, self.token = user, token
        self.last = after
        self.events = []  # (id, type, data, arrived at)
        self.connects = 0
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.open = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop.is_set():
            try:
                self._follow()
            except OSError:
                pass
            time.sleep(0.2)

    def _follow(self):
        with socket.create_connection((self.host, int(self.port)), timeout=30) as sock:
            resume = f"Last-Event-ID: {self.last}\r\n" if self.last is not None else ""
            sock.sendall((f"GET /api/{self.user}/events HTTP/1.0\r\nHost: x\r\n"
                          f"Authorization: Bearer {self.token}\r\nAccept: text/event-stream\r\n"
                          f"{resume}\r\n").encode())
            reader = sock.makefile("r", encoding="utf-8", newline="\n")
            status = reader.readline()
            if " 200 " not in status:
                return
            while reader.readline() not in ("\r\n", "\n", ""):
                pass
            self.connects += 1
            self.open.set()
            frame = {}
            for line in reader:
                if self.stop.is_set():
                    return
                line = line.rstrip("\r\n")
                if line == "":
                    if "id" in frame:
                        with self.lock:
                            self.events.append((int(frame["id"]), frame.get("event"),
                                                json.loads(frame.get("data", "null")), time.monotonic()))
                            self.last = int(frame["id"])
                    frame = {}
                elif not line.startswith(":") and ":" in line:
                    key, value = line.split(":", 1)
                    frame[key] = value.strip()

    def wait_for(self, predicate, seconds):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with self.lock:
                found = [e for e in self.events if predicate(e)]
            if found:
                return found[0]
            time.sleep(0.01)
        return None

    def close(self):
        self.stop.set()


def feed(base, user, token):
    """The user's whole feed, as JSON pages."""
    events, after = [], 0
    while True:
        status, body, headers, _ = http("GET", f"{base}/api/{user}/events?after={after}&limit=1000", token)
        if status != 200:
            raise RuntimeError(f"feed: {status} {body}")
        page = json.loads(body)
        events += page
        if not headers.get("Link"):
            return events
        after = page[-1]["id"]


def mcp(base, token, message):
    """A JSON-RPC message to `base`/mcp as an MCP client posts it (revision
    2025-11-25): (status or None, body text, headers)."""
    request = urllib.request.Request(f"{base}/mcp", data=json.dumps(message).encode(), method="POST")
    for name, value in [("Authorization", f"Bearer {token}"), ("Content-Type", "application/json"),
                        ("Accept", "application/json, text/event-stream"),
                        ("MCP-Protocol-Version", "2025-11-25")]:
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read().decode(), response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), error.headers
    except Exception as error:  # no HTTP answer
        return None, str(error), None


def main():
    if not os.path.exists(BIN):
        sys.exit(f"instances: the service binary {BIN} is missing")
    work = tempfile.mkdtemp(prefix="todo-instances-")
    cluster = None
    services = []
    try:
        cluster = PrivatePostgres(work)
        url = cluster.createdb("todo")
        common = {"DATABASE_URL": url, "DB_MAX_CONNECTIONS": "6", "DB_ACQUIRE_TIMEOUT": "2000",
                  "DB_CONNECT_TIMEOUT": "1000", "REMINDERS_POLL_MS": "250"}
        # One after the other: the first one migrates the database.
        a_process, a = start_service(free_port(), common, os.path.join(work, "a.log"))
        services.append(a_process)
        b_process, b = start_service(free_port(), common, os.path.join(work, "b.log"))
        services.append(b_process)

        # 1. A write through A reaches a stream held on B.
        user, token = "across", hs256_token("across")
        stream = Stream(b, user, token)
        check("the stream on B opened", stream.open.wait(5))
        time.sleep(0.3)
        written = time.monotonic()
        status, body, _, _ = http("POST", f"{a}/api/{user}/tasks", token, {"title": "from A"})
        check("a write through A", status == 201, f"{status} {body}")
        event = stream.wait_for(lambda e: e[1] == "task.created", 5)
        across = None if event is None else event[3] - written
        check("the stream on B sees it within 1 s", across is not None and across < 1.0, f"latency {across}")

        # 1b. /mcp is stateless: an initialize on B, then a tool call on
        # A with no handshake there; the tool's write reaches B's stream.
        status, body, headers = mcp(b, token, {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "instances", "version": "1"}}})
        session = headers.get("mcp-session-id") if headers else None
        check("MCP initialize on B (no session kept)", status == 200 and session is None, f"{status} {body} {session}")
        status, body, _ = mcp(a, token, {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                                         "params": {"name": "add_task", "arguments": {"title": "from a tool on A"}}})
        result = json.loads(body).get("result", {}) if status == 200 else {}
        check("MCP tools/call on A without a handshake there", result.get("isError") is False, f"{status} {body}")
        event = stream.wait_for(lambda e: e[1] == "task.created" and ((e[2] or {}).get("task") or {}).get("title") == "from a tool on A", 5)
        check("the tool's write is on B's stream", event is not None)

        # 2. Reminders due while both instances poll fire once each.
        rem_user, rem_token = "reminded", hs256_token("reminded")
        due = (datetime.now(timezone.utc) + timedelta(seconds=2)).isoformat()
        ids = []
        for i in range(20):
            target = a if i % 2 == 0 else b
            status, body, _, _ = http("POST", f"{target}/api/{rem_user}/tasks", rem_token,
                                      {"title": f"remind {i}", "remind_at": due})
            if status == 201:
                ids.append(json.loads(body)["id"])
        check("20 tasks with a reminder due in 2 s", len(ids) == 20, str(len(ids)))
        time.sleep(2 + 5)
        reminders = [e for e in feed(a, rem_user, rem_token) if e["type"] == "task.reminder"]
        fired = [e["task_id"] for e in reminders]
        check("every reminder fired", sorted(set(fired)) == sorted(ids), f"{len(set(fired))} of {len(ids)}")
        check("none fired twice across the two instances", len(fired) == len(set(fired)),
              f"{len(fired)} events for {len(set(fired))} tasks")
        late = [datetime.fromisoformat(e["at"].replace("Z", "+00:00")) - datetime.fromisoformat(due)
                for e in reminders]
        check("each within 5 s of remind_at", late and max(late) < timedelta(seconds=5),
              f"latest {max(late) if late else None}")

        # 3. Racing writes through both: ids 1..N.
        race_user, race_token = "racer", hs256_token("racer")
        statuses = []
        lock = threading.Lock()

        def writer(n):
            for i in range(10):
                target = a if (n + i) % 2 == 0 else b
                status, _, _, _ = http("POST", f"{target}/api/{race_user}/tasks", race_token, {"title": f"{n}-{i}"})
                with lock:
                    statuses.append(status)

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        created = statuses.count(201)
        event_ids = [e["id"] for e in feed(b, race_user, race_token)]
        check("80 racing writes through both instances landed", created == 80, str(sorted(set(map(str, statuses)))))
        check("their feed ids are 1..N, no gap, no repeat", event_ids == list(range(1, created + 1)),
              f"{len(event_ids)} ids, first {event_ids[:3]}, last {event_ids[-3:]}")

        # 4. PostgreSQL restarts under an open stream on B.
        before = len(stream.events)
        connects = stream.connects
        cluster.stop("fast")
        time.sleep(2)
        cluster.start()
        restarted = time.monotonic()
        titles = []
        for i in range(5):
            title = f"after restart {i}"
            for _ in range(50):
                status, _, _, _ = http("POST", f"{a}/api/{user}/tasks", token, {"title": title})
                if status == 201:
                    titles.append(title)
                    break
                time.sleep(0.2)
        got = stream.wait_for(lambda e: e[2] and e[2].get("task", {}) and e[2]["task"].get("title") == titles[-1], 10) \
            if titles else None
        check("writes through A succeed after the restart", len(titles) == 5, str(len(titles)))
        check("the stream on B gets them after the restart", got is not None,
              f"{len(stream.events) - before} new events, {stream.connects - connects} reconnects, "
              f"{time.monotonic() - restarted:.1f} s")
        seen = [e[0] for e in stream.events]
        check("nothing lost or repeated on the stream", seen == list(range(1, len(seen) + 1)), str(seen))
        # Live again: a write through A reaches B quickly, through B's
        # reconnected LISTEN.
        written = time.monotonic()
        http("POST", f"{a}/api/{user}/tasks", token, {"title": "live again"})
        got = stream.wait_for(lambda e: e[2] and (e[2].get("task") or {}).get("title") == "live again", 5)
        latency = None if got is None else got[3] - written
        check("after the restart, delivery across instances is live again (< 1 s)",
              latency is not None and latency < 1.0, f"latency {latency}")
        stream.close()
        print(f"figures: cross-instance latency {across and round(across, 3)} s, after the restart "
              f"{latency and round(latency, 3)} s; "
              f"reminders fired {len(fired)}/{len(ids)}, latest {max(late) if late else None} after due")
        for process, name in ((a_process, "A"), (b_process, "B")):
            check(f"instance {name} stayed up", process.poll() is None)
    except Exception as error:
        check("the two-instance run finished", False, repr(error))
    finally:
        for process in services:
            process.terminate()
            try:
                process.wait(10)
            except Exception:
                process.kill()
        if cluster is not None:
            cluster.close()
        if os.environ.get("KEEP_INSTANCE_LOGS"):
            print(f"logs in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    finish("instances")


if __name__ == "__main__":
    main()
