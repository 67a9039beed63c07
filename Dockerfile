# syntax=docker/dockerfile:1
# The service in a container: a cached dependency build, then a slim,
# non-root runtime with only the binary, its configuration and the web
# client's files.
#
#   docker build -t todo-api .
#   docker run -p 5150:5150 -e DATABASE_URL=... -e BETTER_AUTH_URL=... todo-api
#   docker run --rm -e DATABASE_URL=... todo-api db migrate

FROM rust:1.95-slim-bookworm AS build
WORKDIR /app
# Dependencies first: this layer stays cached while only the code changes.
COPY Cargo.toml Cargo.lock ./
COPY migration/Cargo.toml migration/Cargo.toml
RUN mkdir -p src/bin migration/src \
 && echo 'fn main() {}' > src/bin/main.rs \
 && touch src/lib.rs migration/src/lib.rs \
 && cargo build --release --locked --bin todo_api-cli \
 && rm -rf src migration/src
COPY src src
COPY migration/src migration/src
RUN touch src/lib.rs src/bin/main.rs migration/src/lib.rs \
 && cargo build --release --locked --bin todo_api-cli

FROM debian:bookworm-slim
# Unpinned on purpose: the runtime should take Debian's security updates
# for these two whenever the image is rebuilt.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin app
WORKDIR /app
COPY --from=build /app/target/release/todo_api-cli /app/todo_api-cli
COPY config /app/config
# The web client's files: served only with WEB_CLIENT=true in production.
COPY assets /app/assets
USER 10001
# The allocator (mimalloc) commits memory as it is used and returns freed
# pages at once: a lower peak RSS, the throughput unchanged
# (docs/benchmark.md).
ENV LOCO_ENV=production \
    BINDING=0.0.0.0 \
    PORT=5150 \
    LOG_FORMAT=json \
    MIMALLOC_ARENA_EAGER_COMMIT=0 \
    MIMALLOC_PURGE_DELAY=0
EXPOSE 5150
# Liveness only: /_ping does not depend on the database, so a database
# outage does not get healthy containers restarted.
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["sh", "-c", "curl -fsS http://127.0.0.1:${PORT}/_ping || exit 1"]
ENTRYPOINT ["/app/todo_api-cli"]
CMD ["start"]
