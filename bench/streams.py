#!/usr/bin/env python3
"""The live stream under load: STREAMS users each hold one open stream while
writes run at RATE per second for SECONDS; then REMINDERS reminders come
due in the same second.

Prints (and writes as JSON) the delivery latency of events to their user's
stream (p50, p99; from the write's request to the event's arrival), the
service's RSS with the streams open, and how long the reminders took to
fire. Run by bench/run.sh against a started service:

  bench/streams.py BASE_URL SERVICE_PID DATABASE_URL OUT.json

Environment: BENCH_STREAMS (1000), BENCH_STREAM_RATE (200 writes/s),
BENCH_STREAM_SECONDS (15), BENCH_REMINDERS (10000), BENCH_SECRET.
"""

import asyncio
import base64
import hashlib
import hmac
import json
import os
import random
import subprocess
import sys
import time

STREAMS = int(os.environ.get("BENCH_STREAMS", "1000"))
RATE = int(os.environ.get("BENCH_STREAM_RATE", "200"))
SECONDS = int(os.environ.get("BENCH_STREAM_SECONDS", "15"))
REMINDERS = int(os.environ.get("BENCH_REMINDERS", "10000"))
SECRET = os.environ.get("BENCH_SECRET", "bench-shared-secret-0123456789abcdefghij")
WRITERS = 16


def token(user):
    def b64(raw):
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    now = int(time.time())
    head = b64(b'{"alg":"HS256"}')
    body = b64(json.dumps({"sub": user, "iat": now, "exp": now + 3600}).encode())
    sig = hmac.new(SECRET.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(sig)}"


def percentile(values, p):
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


async def follow(host, port, user, tok, sent, latencies, ready):
    reader, writer = await asyncio.open_connection(host, port)
    writer.write((f"GET /api/{user}/events HTTP/1.0\r\nHost: x\r\nAuthorization: Bearer {tok}\r\n"
                  "Accept: text/event-stream\r\n\r\n").encode())
    await writer.drain()
    status = await reader.readline()
    if b" 200 " not in status:
        raise RuntimeError(f"stream for {user}: {status!r}")
    while (await reader.readline()) not in (b"\r\n", b"\n", b""):
        pass
    ready.append(user)
    data = None
    while True:
        line = await reader.readline()
        if not line:
            return
        line = line.rstrip(b"\r\n")
        if line.startswith(b"data:"):
            data = line[5:].strip()
        elif line == b"" and data:
            event = json.loads(data)
            title = (event.get("task") or {}).get("title")
            at = sent.pop(title, None)
            if at is not None:
                latencies.append(time.monotonic() - at)
            data = None


async def write_loop(host, port, users, tokens, sent, deadline, counter):
    reader, writer = await asyncio.open_connection(host, port)
    interval = WRITERS / RATE
    next_at = time.monotonic()
    while time.monotonic() < deadline:
        i = random.randrange(len(users))
        title = f"w{counter[0]}"
        counter[0] += 1
        body = json.dumps({"title": title})
        sent[title] = time.monotonic()
        writer.write((f"POST /api/{users[i]}/tasks HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {tokens[i]}\r\n"
                      f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n{body}").encode())
        await writer.drain()
        length = 0
        status = await reader.readline()
        while True:
            line = await reader.readline()
            if line in (b"\r\n", b""):
                break
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        await reader.readexactly(length)
        if b" 201 " not in status:
            counter[1] += 1
        next_at += interval
        await asyncio.sleep(max(0, next_at - time.monotonic()))
    writer.close()


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def psql(url, sql):
    return subprocess.run(["psql", url, "-Atq", "-c", sql], check=True, capture_output=True, text=True).stdout.strip()


async def main():
    base, pid, database, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    host, port = base.replace("http://", "").split(":")
    port = int(port)
    users = [f"stream-user-{i:05d}" for i in range(STREAMS)]
    tokens = [token(u) for u in users]
    sent, latencies, ready = {}, [], []
    rss_before = rss_kb(pid)
    followers = [asyncio.create_task(follow(host, port, u, t, sent, latencies, ready)) for u, t in zip(users, tokens)]
    started = time.monotonic()
    while len(ready) < STREAMS and time.monotonic() - started < 60:
        await asyncio.sleep(0.05)
    opened_in = time.monotonic() - started
    await asyncio.sleep(1)
    rss_streams = rss_kb(pid)
    counter = [0, 0]
    deadline = time.monotonic() + SECONDS
    await asyncio.gather(*(write_loop(host, port, users, tokens, sent, deadline, counter) for _ in range(WRITERS)))
    await asyncio.sleep(2)
    delivered = len(latencies)
    peak_rss = rss_kb(pid)

    # Reminders: REMINDERS tasks due in the same second, written straight
    # into the database (spread over the stream users), then timed until
    # every one has its task.reminder event.
    due = time.time() + 3
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(due))
    psql(database, f"""
      INSERT INTO tasks (user_id, title, completed, priority, created_at, updated_at, version, search_text, tags, remind_at)
      SELECT 'stream-user-' || lpad((n % {STREAMS})::text, 5, '0'), 'reminder ' || n, false, 1, now(), now(), 1,
             'reminder ' || n, '', timestamptz '{stamp}+00'
      FROM generate_series(1, {REMINDERS}) AS n""")
    while time.time() < due:
        await asyncio.sleep(0.05)
    fired_in = None
    while time.time() - due < 60:
        count = int(psql(database, "SELECT count(*) FROM task_events WHERE kind = 'task.reminder'"))
        if count >= REMINDERS:
            fired_in = time.time() - due
            break
        await asyncio.sleep(0.1)
    for follower in followers:
        follower.cancel()

    report = {
        "streams": STREAMS, "opened_in_s": round(opened_in, 2), "writes": counter[0], "write_errors": counter[1],
        "rate_per_s": RATE, "delivered": delivered,
        "latency_p50_ms": round(percentile(latencies, 50) * 1000, 1) if latencies else None,
        "latency_p99_ms": round(percentile(latencies, 99) * 1000, 1) if latencies else None,
        "rss_before_mb": round(rss_before / 1024, 1), "rss_with_streams_mb": round(rss_streams / 1024, 1),
        "rss_after_writes_mb": round(peak_rss / 1024, 1),
        "reminders": REMINDERS, "reminders_fired_in_s": fired_in and round(fired_in, 2),
    }
    json.dump(report, open(out, "w"), indent=2)
    print(f"streams: {STREAMS} open in {opened_in:.1f} s; {counter[0]} writes at {RATE}/s "
          f"({counter[1]} errors), {delivered} delivered: p50 {report['latency_p50_ms']} ms, "
          f"p99 {report['latency_p99_ms']} ms; RSS {report['rss_before_mb']} MB -> "
          f"{report['rss_with_streams_mb']} MB with the streams open; "
          f"{REMINDERS} reminders due in one second fired in {report['reminders_fired_in_s']} s")


if __name__ == "__main__":
    asyncio.run(main())
