#!/usr/bin/env python3
"""Database faults: the service under steady write load while its
PostgreSQL stops for 10 s and comes back.

Runs a private PostgreSQL (initdb into a temporary folder, its own port),
so the shared server is untouched. Checks that during the outage requests
get a quick 503 problem body and the process stays up; that after the
database returns the service answers normally within 2 s without a
restart; that every write acknowledged with a 2xx is in the database at the
end and every write that got an error is not.

Usage: python3 tests/faults/run.py  (from the repository root; the service
binary must be built: target/debug/todo_api-cli). Prints the figures and
closes with "faults: N passed, M failed".
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from harness import BIN, REPO, as_postgres, check, finish, free_port, http, pg_bin  # noqa: E402

OUTAGE_SECONDS = 10
WORKERS = 4


def main():
    if not os.path.exists(BIN):
        sys.exit(f"faults: the service binary {BIN} is missing")
    work = tempfile.mkdtemp(prefix="todo-faults-")
    os.chmod(work, 0o777)
    data = os.path.join(work, "data")
    pg_port = free_port()
    pg_ctl = pg_bin("pg_ctl")
    pg_log = os.path.join(work, "postgres.log")
    service = None
    try:
        as_postgres([pg_bin("initdb"), "-D", data, "-A", "trust", "-U", "postgres"])
        start_pg = [pg_ctl, "-D", data, "-l", pg_log, "-o", f"-p {pg_port} -k {work} -c listen_addresses=127.0.0.1", "-w", "start"]
        as_postgres(start_pg)
        as_postgres([pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(pg_port), "-U", "postgres", "todo"])

        port = free_port()
        env = dict(
            os.environ,
            LOCO_ENV="development",
            PORT=str(port),
            BINDING="127.0.0.1",
            DATABASE_URL=f"postgres://postgres@127.0.0.1:{pg_port}/todo",
            DB_ACQUIRE_TIMEOUT="1000",
            DB_CONNECT_TIMEOUT="1000",
            DB_MAX_CONNECTIONS="4",
            RATE_LIMIT_PER_SECOND="0",
            BETTER_AUTH_URL="",
            LOG_LEVEL="warn",
        )
        env.pop("BETTER_AUTH_SECRET", None)
        service_log = open(os.path.join(work, "service.log"), "w")
        service = subprocess.Popen([BIN, "start"], cwd=REPO, env=env, stdout=service_log, stderr=service_log)
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            if http("GET", f"{base}/_ping")[0] == 200:
                break
            time.sleep(0.1)
        token = subprocess.run(
            [BIN, "task", "dev_token", "user_id:fault-user"], cwd=REPO, env=env, capture_output=True, text=True, check=True
        ).stdout.strip().splitlines()[-1]
        api = f"{base}/api/fault-user/tasks"

        results = []  # (title, status, seconds, started_at)
        lock = threading.Lock()
        stop = threading.Event()

        def writer(n):
            i = 0
            while not stop.is_set():
                title = f"w{n}-{i}"
                at = time.monotonic()
                status, body, _, seconds = http("POST", api, token, {"title": title})
                with lock:
                    results.append((title, status, seconds, at, body))
                i += 1
                time.sleep(0.02)

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(WORKERS)]
        for t in threads:
            t.start()
        time.sleep(3)
        as_postgres([pg_ctl, "-D", data, "-m", "fast", "-w", "stop"])
        # Counted from the moment the server is down (stopping takes a
        # moment: a fast shutdown still writes a checkpoint).
        down_at = time.monotonic()
        time.sleep(OUTAGE_SECONDS)
        restart_at = time.monotonic()
        as_postgres(start_pg)
        up_at = time.monotonic()
        time.sleep(5)
        stop.set()
        for t in threads:
            t.join()

        check("the service process stayed up", service.poll() is None)
        # Requests that started while the database was surely down and could
        # not outlive the outage (a request waits up to the 1 s acquire
        # timeout for a connection, so one started just before the restart
        # may rightly succeed).
        outage = [r for r in results if down_at + 0.5 <= r[3] <= restart_at - 1.5]
        statuses = sorted({r[1] for r in outage}, key=str)
        check("requests were made during the outage", len(outage) > 20, str(len(outage)))
        check("during the outage every answer is 503", all(r[1] == 503 for r in outage), f"statuses {statuses}")
        slowest = max((r[2] for r in outage), default=0)
        check("503s come within the pool's acquire timeout (1 s) plus slack", slowest < 2.0, f"slowest {slowest:.2f} s")
        problem_bodies = all(json.loads(r[4]).get("status") == 503 for r in outage if r[1] == 503)
        check("503 answers are problem bodies", problem_bodies)
        after = sorted((r for r in results if r[3] >= up_at and r[1] == 201), key=lambda r: r[3])
        recovery = (after[0][3] + after[0][2] - up_at) if after else None
        check("writes succeed again within 2 s of the database's return", recovery is not None and recovery < 2.0,
              f"recovery {recovery}")
        check("no 5xx other than 503, and no request without an answer",
              all(r[1] is not None and (r[1] < 500 or r[1] == 503) for r in results),
              str(sorted({str(r[1]) for r in results})))

        acknowledged = {r[0] for r in results if r[1] is not None and 200 <= r[1] < 300}
        refused = {r[0] for r in results if r[1] is None or r[1] >= 300}
        stored = set()
        url = f"{api}?limit=1000&sort=created&order=asc"
        while url:
            status, body, headers, _ = http("GET", url, token)
            assert status == 200, body
            stored.update(t["title"] for t in json.loads(body))
            link = headers.get("Link")
            url = f"{base}{link[link.index('<') + 1:link.index('>')]}" if link else None
        check("every acknowledged write is in the database", acknowledged <= stored,
              f"{len(acknowledged - stored)} missing")
        check("no write that got an error is in the database", not (refused & stored),
              f"{len(refused & stored)} present")
        print(
            f"figures: {len(results)} writes, {len(acknowledged)} acknowledged, {len(refused)} refused "
            f"({len(outage)} during the {OUTAGE_SECONDS} s outage, slowest answer then {slowest:.3f} s), "
            f"recovery {recovery if recovery is None else round(recovery, 3)} s, "
            f"lost acknowledged writes {len(acknowledged - stored)}"
        )
    except Exception as error:
        check("the fault run finished", False, repr(error))
    finally:
        if service is not None:
            service.terminate()
            try:
                service.wait(10)
            except subprocess.TimeoutExpired:
                service.kill()
        try:
            as_postgres([pg_ctl, "-D", data, "-m", "immediate", "stop"])
        except Exception:
            pass
        shutil.rmtree(work, ignore_errors=True)
    finish("faults")


if __name__ == "__main__":
    main()
