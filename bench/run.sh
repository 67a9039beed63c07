#!/usr/bin/env bash
# The benchmark: the release service on a fresh PostgreSQL database with
# 500,000 tasks (10,000 users x 50), driven over loopback by wrk with valid
# HS256 and EdDSA tokens of all those users, next to pgbench running the
# very statements the service runs (the database's own ceiling). Then the
# list again on 1,000,000 tasks (20,000 users x 50).
#
#   bench/run.sh              the full run (15 s per scenario, 32 connections)
#   BENCH_PROFILE=debug BENCH_SECONDS=2 BENCH_USERS=200 bench/run.sh
#                             a smoke run of a few seconds (what CI does)
#   BENCH_BIN=path BENCH_OUT=target/bench-a bench/run.sh
#                             a binary built elsewhere (an A/B pair: one run
#                             each, one after the other, results apart)
#
# Then the live stream: BENCH_STREAMS (1,000) users each with one open stream
# while writes run at 200/s, and 10,000 reminders due in one second
# (bench/streams.py, results in streams.json beside results.json).
#
# Needs PostgreSQL at BENCH_PG (default postgres://postgres@127.0.0.1:5432),
# psql and pgbench, Node.js (for the tokens) and wrk (installed with
# apt-get when missing and running as root). Prints a table; writes it as
# JSON to target/bench/results.json (BENCH_OUT: another folder).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${BENCH_SECONDS:-15}
connections=${BENCH_CONNECTIONS:-32}
users=${BENCH_USERS:-10000}
scale_users=${BENCH_SCALE_USERS:-$((users * 2))}
per_user=50
pg=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}
out=${BENCH_OUT:-target/bench}
mkdir -p "$out"

if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
  else
    echo "bench: wrk is required (apt-get install wrk)" >&2; exit 1
  fi
fi
for tool in psql pgbench node curl python3; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is required" >&2; exit 1; }
done
[ -d tests/e2e/better-auth/node_modules/jose ] || (cd tests/e2e/better-auth && npm ci --no-audit --no-fund)

if [ -n "${BENCH_BIN:-}" ]; then
  bin=$BENCH_BIN
elif [ "${BENCH_PROFILE:-release}" = release ]; then
  echo "== Building the release binary"
  cargo build --release --bin todo_api-cli
  bin=target/release/todo_api-cli
else
  # Smoke runs (CI) use the debug binary the tests built: they check that
  # the benchmark works, not how fast.
  [ -x target/debug/todo_api-cli ] || cargo test --all-targets --no-run
  bin=target/debug/todo_api-cli
fi

secret="bench-shared-secret-0123456789abcdefghij"
jwks_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
auth_url="http://127.0.0.1:$jwks_port"

# Better Auth stands in as bench/auth_stub.py: the JWKS of the fixture
# Ed25519 key, and get-session for the session-mode tokens.
python3 bench/auth_stub.py "$jwks_port" >/dev/null 2>&1 &
jwks_pid=$!
service_pid=
cleanup() {
  [ -n "$service_pid" ] && kill "$service_pid" 2>/dev/null || true
  kill "$jwks_pid" 2>/dev/null || true
}
trap cleanup EXIT

prepare_db() { # name users events(1|0)
  psql "$pg/postgres" -q -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1" >/dev/null
  LOCO_ENV=production DATABASE_URL="$pg/$1" BETTER_AUTH_SECRET=$secret "$bin" db migrate >/dev/null
  echo "== Seeding $1: $2 users x $per_user tasks"
  psql "$pg/$1" -q -v ON_ERROR_STOP=1 -v users="$2" -v per_user=$per_user -v events="$3" \
    -f bench/seed.sql >/dev/null
}

start_service() { # database
  # As in production; the MIMALLOC_* pair as the container image sets it.
  local started
  started=$(date +%s%N)
  LOCO_ENV=production DATABASE_URL="$pg/$1" BETTER_AUTH_SECRET=$secret BETTER_AUTH_URL=$auth_url \
    BETTER_AUTH_SESSION_TOKENS=true \
    CORS_ALLOWED_ORIGINS=http://localhost:3000 PORT=$port BINDING=127.0.0.1 LOG_LEVEL=info LOG_FORMAT=json \
    RATE_LIMIT_PER_SECOND=0 DB_MAX_CONNECTIONS=${BENCH_POOL:-8} \
    MIMALLOC_ARENA_EAGER_COMMIT=0 MIMALLOC_PURGE_DELAY=0 "$bin" start >"$out/service-$1.log" 2>&1 &
  service_pid=$!
  until curl -fsS "http://127.0.0.1:$port/_ping" >/dev/null 2>&1; do sleep 0.005; done
  startup_ms=$(( ($(date +%s%N) - started) / 1000000 ))
  # Load the JWKS now, so no scenario pays for it.
  for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/_health" >/dev/null 2>&1 && break; sleep 0.05; done
}

stop_service() {
  peak_rss_kb=$(awk '/VmHWM/ {print $2}' "/proc/$service_pid/status")
  kill "$service_pid"; wait "$service_pid" 2>/dev/null || true; service_pid=
}

run_wrk() { # scenario tokens
  SCENARIO=$1 TOKENS=$2 PER_USER=$per_user wrk -t2 -c"$connections" -d"${seconds}s" --latency \
    -s bench/scenario.lua "http://127.0.0.1:$port" | sed -n 's/^RESULT //p'
}

run_pgbench() { # database script
  pgbench "$pg/$1" -n -M prepared -c "$connections" -j 2 -T "$seconds" -D users="$users" -f "bench/$2" 2>/dev/null \
    | sed -n 's/^tps = \([0-9.]*\).*/\1/p'
}

node bench/tokens.mjs "$users" "$secret" "$auth_url" >"$out/tokens.txt"
# The same users with Better Auth session tokens (session mode), and with
# EdDSA JWTs only (the JWKS half of tokens.txt).
awk '{print $1, "sess_" $1 "_bench"}' "$out/tokens.txt" >"$out/tokens-session.txt"
awk 'NR % 2 == 0' "$out/tokens.txt" >"$out/tokens-eddsa.txt"
awk 'NR % 2 == 1' "$out/tokens.txt" >"$out/tokens-hs256.txt"
prepare_db todo_bench "$users" 1
start_service todo_bench
startup=$startup_ms
declare -A result
for scenario in list list_tag list_position feed mcp_list get create toggle move mix; do
  echo "== $scenario: $connections connections, ${seconds}s"
  result[$scenario]=$(run_wrk "$scenario" "$out/tokens.txt")
  echo "   ${result[$scenario]}"
done
# The list with each kind of credential: EdDSA JWTs only, HS256 only, and session
# tokens (one get-session per user, then the cache).
for kind in eddsa hs256; do
  echo "== list_$kind: $connections connections, ${seconds}s"
  result[list_$kind]=$(run_wrk list "$out/tokens-$kind.txt")
  echo "   ${result[list_$kind]}"
done
echo "== list_session: $connections connections, ${seconds}s (after a pass that fills the cache)"
run_wrk list "$out/tokens-session.txt" >/dev/null
asked=$(curl -fsS "$auth_url/calls")
result[list_session]=$(run_wrk list "$out/tokens-session.txt")
echo "   ${result[list_session]}; Better Auth asked $asked times filling the cache, $(( $(curl -fsS "$auth_url/calls") - asked )) more while measured"
# The high-water mark of the request scenarios, before the streams open
# 1,000 connections at once.
rss_requests_kb=$(awk '/VmHWM/ {print $2}' "/proc/$service_pid/status")
# The live stream: one open stream per user while writes run, then a
# second's worth of reminders (bench/streams.py).
streams=${BENCH_STREAMS:-$(( users < 1000 ? users : 1000 ))}
echo "== streams: $streams open, writes at ${BENCH_STREAM_RATE:-200}/s for ${seconds}s, then reminders"
BENCH_STREAMS=$streams BENCH_STREAM_SECONDS=$seconds BENCH_SECRET=$secret \
  BENCH_REMINDERS=${BENCH_REMINDERS:-$(( users < 10000 ? users : 10000 ))} \
  python3 bench/streams.py "http://127.0.0.1:$port" "$service_pid" "$pg/todo_bench" "$out/streams.json"
stop_service
rss=$peak_rss_kb
# The statements of list and create, straight to PostgreSQL.
echo "== pgbench ceiling"
ceiling_list=$(run_pgbench todo_bench pgbench-list.sql)
ceiling_create=$(run_pgbench todo_bench pgbench-create.sql)

prepare_db todo_bench_scale "$scale_users" 0
node bench/tokens.mjs "$scale_users" "$secret" "$auth_url" >"$out/tokens-scale.txt"
start_service todo_bench_scale
echo "== list on $((scale_users * per_user)) tasks"
result[list_scale]=$(run_wrk list "$out/tokens-scale.txt")
echo "   ${result[list_scale]}"
stop_service
# How PostgreSQL runs the tag filter at this size (the list's own query,
# as the service builds it for one user and one tag).
psql "$pg/todo_bench_scale" -q -c "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
  SELECT * FROM tasks WHERE user_id = 'bench-user-00042'
    AND id IN (SELECT task_id FROM task_tags WHERE user_id = 'bench-user-00042' AND name = 'work')
  ORDER BY created_at DESC, id DESC LIMIT 101" >"$out/explain-tag.txt"
echo "== the tag filter's plan on $((scale_users * per_user)) tasks: $out/explain-tag.txt"

python3 - "$out/results.json" <<PY
import json, sys
r = {k: json.loads(v) for k, v in {
    "list": '''${result[list]}''', "list_tag": '''${result[list_tag]}''', "list_position": '''${result[list_position]}''', "feed": '''${result[feed]}''', "mcp_list": '''${result[mcp_list]}''', "list_eddsa": '''${result[list_eddsa]}''', "list_hs256": '''${result[list_hs256]}''', "list_session": '''${result[list_session]}''', "get": '''${result[get]}''', "create": '''${result[create]}''',
    "toggle": '''${result[toggle]}''', "move": '''${result[move]}''', "mix": '''${result[mix]}''', "list_1m": '''${result[list_scale]}''',
}.items()}
ceiling = {"list": float("${ceiling_list:-0}" or 0), "create": float("${ceiling_create:-0}" or 0)}
report = {
    "connections": $connections, "seconds": $seconds, "rows": $users * $per_user,
    "scale_rows": $scale_users * $per_user, "startup_ms": $startup, "peak_rss_mb": round($rss / 1024, 1),
    "peak_rss_requests_mb": round($rss_requests_kb / 1024, 1),
    "scenarios": r, "ceiling_tps": ceiling,
}
json.dump(report, open(sys.argv[1], "w"), indent=2)
print()
print(f"{'scenario':<10} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'ceiling tps':>12} {'ratio':>7}")
for name, row in r.items():
    c = ceiling.get(name)
    ratio = f"{row['rps'] / c:.0%}" if c else "-"
    print(f"{name:<10} {row['rps']:>9.0f} {row['p50_ms']:>8.2f} {row['p99_ms']:>8.2f} {row['errors']:>7} "
          f"{(f'{c:.0f}' if c else '-'):>12} {ratio:>7}")
print(f"peak RSS {report['peak_rss_requests_mb']} MB through the request scenarios, "
      f"{report['peak_rss_mb']} MB with the streams; start to first /_ping 200: {report['startup_ms']} ms; "
      f"list p50 on {report['scale_rows']} rows / on {report['rows']}: "
      f"{r['list_1m']['p50_ms'] / r['list']['p50_ms']:.2f}x; "
      f"list_tag / list throughput: {r['list_tag']['rps'] / r['list']['rps']:.2f}; "
      f"feed page / list: {r['feed']['rps'] / r['list']['rps']:.2f}; "
      f"tools/call list_tasks / list: {r['mcp_list']['rps'] / r['list']['rps']:.2f}; "
      f"list, EdDSA / HS256 tokens: {r['list_eddsa']['rps'] / r['list_hs256']['rps']:.2f}; "
      f"list, session / EdDSA tokens: {r['list_session']['rps'] / r['list_eddsa']['rps']:.2f}")
print(f"written to {sys.argv[1]}")
PY
