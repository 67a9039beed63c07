// End-to-end proof: a real Better Auth issues the tokens, our service
// verifies them. Walks the journey a frontend makes, once per key algorithm
// Better Auth offers, once with HS256 tokens a frontend signs itself and
// once with the `bearer` plugin's session tokens (session mode), then checks
// key rotation, expiry, foreign tokens and an auth server that goes away;
// last, the MCP endpoint with the official Python SDK (`mcp` from PyPI) and
// Better Auth's tokens, JWT and OAuth access token, on SQLite and
// PostgreSQL.
//
//   TODO_API_BIN  the service binary (default: target/debug/todo_api-cli)
//   MCP_PYTHON    a Python with `mcp` installed (default: target/mcp-venv,
//                 which scripts/e2e makes from tests/e2e/mcp/requirements.txt)
//   E2E_PG_SERVER the PostgreSQL server (default postgres://postgres@127.0.0.1:5432)
//
// Prints one line per check and closes with "N passed, M failed".
import { spawn } from "node:child_process";
import { randomInt } from "node:crypto";
import { mkdtempSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { check, freePort, freshPostgres, runSuite, startService as startServiceAt, stopProcess, track } from "../harness.mjs";
import { freshToken, newEmail, PASSWORD, signUp, startBetterAuth as startAuthProcess } from "./auth-process.mjs";
import { SignJWT } from "jose";
import { mcpAccessToken } from "./oauth.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "../../..");
const bin = process.env.TODO_API_BIN ?? join(repo, "target/debug/todo_api-cli");
const work = mkdtempSync(join(tmpdir(), "todo-e2e-"));



const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A real Better Auth server on its own port and database. */
const startBetterAuth = (options = {}) => startAuthProcess({ work, ...options });

/** Our service, configured through the environment as a user would. */
async function startService(settings, port) {
  const database = join(work, `service-${Date.now()}-${Math.random().toString(36).slice(2)}.sqlite`);
  const service = await startServiceAt({
    bin,
    cwd: repo,
    database,
    port,
    settings: { BETTER_AUTH_SECRET: "", ...settings },
  });
  track(service.child);
  return service;
}


/**
 * Signs a user up, then in, through a Better Auth with the `bearer` plugin,
 * as a frontend without cookies does: the session token is the sign-in's
 * `set-auth-token` header. `bodyToken` is the sign-in body's `token`.
 */
async function signInForSession(auth, name) {
  const email = newEmail(name);
  let res = await fetch(`${auth.url}/api/auth/sign-up/email`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: auth.url },
    body: JSON.stringify({ email, password: PASSWORD, name }),
  });
  if (!res.ok) throw new Error(`sign-up failed: ${res.status} ${await res.text()}`);
  const { user } = await res.json();
  res = await fetch(`${auth.url}/api/auth/sign-in/email`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: auth.url },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  if (!res.ok) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`);
  const token = res.headers.get("set-auth-token");
  if (!token) throw new Error("sign-in answered without set-auth-token (is the bearer plugin on?)");
  return { id: user.id, token, bodyToken: (await res.json()).token };
}

/** What Better Auth itself says of a session token (`null` when none). */
async function betterAuthSession(auth, token) {
  const res = await fetch(`${auth.url}/api/auth/get-session`, { headers: { authorization: `Bearer ${token}` } });
  return res.ok ? res.json() : { status: res.status };
}

/** A token's shape for a failure message, never the token: letters and digits become `x`. */
const shape = (token) => (typeof token === "string" ? token.replace(/[A-Za-z0-9]/g, "x") : String(token));

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const madeUpToken = () => Array.from({ length: 32 }, () => ALPHANUMERIC[randomInt(ALPHANUMERIC.length)]).join("");

function header(token) {
  return JSON.parse(Buffer.from(token.split(".")[0], "base64url").toString());
}

async function api(service, token, method, path, body) {
  const headers = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${service.url}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = text;
  }
  return { status: res.status, json, headers: res.headers };
}

const titles = (list) => (Array.isArray(list) ? list.map((t) => t.title) : list);
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/** The journey a frontend makes, then the isolation checks. */
async function journey(label, service, alice, bob) {
  const base = `/api/${alice.id}/tasks`;
  const created = [];
  for (const body of [
    { title: "Buy milk", description: "2 litres", priority: "low" },
    { title: "Call mom", priority: "high", due_date: "2026-12-24" },
    { title: "Answer mail", completed: true },
  ]) {
    const res = await api(service, alice.token, "POST", base, body);
    check(`${label}: create "${body.title}"`, res.status === 201 && res.json?.user_id === alice.id, `${res.status} ${JSON.stringify(res.json)}`);
    if (res.status === 201) {
      created.push(res.json);
      check(`${label}: Location of "${body.title}"`, res.headers.get("location") === `${base}/${res.json.id}`);
    }
    await sleep(2);
  }
  if (created.length !== 3) return;
  const [milk, mom, mail] = created;

  const lists = [
    ["", ["Answer mail", "Call mom", "Buy milk"]],
    ["?status=all", ["Answer mail", "Call mom", "Buy milk"]],
    ["?status=pending", ["Call mom", "Buy milk"]],
    ["?status=completed", ["Answer mail"]],
    ["?sort=created&order=asc", ["Buy milk", "Call mom", "Answer mail"]],
    ["?sort=updated", ["Answer mail", "Call mom", "Buy milk"]],
    ["?sort=title", ["Answer mail", "Buy milk", "Call mom"]],
    ["?sort=due_date", ["Call mom", "Buy milk", "Answer mail"]],
    ["?sort=priority", ["Call mom", "Answer mail", "Buy milk"]],
  ];
  for (const [query, expected] of lists) {
    const res = await api(service, alice.token, "GET", `${base}${query}`);
    check(`${label}: list ${query || "(default)"}`, res.status === 200 && same(titles(res.json), expected), `${res.status} ${JSON.stringify(titles(res.json))}`);
  }

  let res = await api(service, alice.token, "GET", `${base}/${milk.id}`);
  check(`${label}: get`, res.status === 200 && same(res.json, milk));

  res = await api(service, alice.token, "PUT", `${base}/${milk.id}`, { title: "Buy oat milk" });
  check(`${label}: update (PUT)`, res.status === 200 && res.json.title === "Buy oat milk" && res.json.description === "2 litres");
  res = await api(service, alice.token, "PATCH", `${base}/${milk.id}`, { description: null, priority: "medium" });
  check(`${label}: update (PATCH)`, res.status === 200 && res.json.description === null && res.json.priority === "medium");

  res = await api(service, alice.token, "PATCH", `${base}/${mom.id}/complete`);
  check(`${label}: toggle`, res.status === 200 && res.json.completed === true && typeof res.json.completed_at === "string");
  res = await api(service, alice.token, "PATCH", `${base}/${mom.id}/complete`, { completed: false });
  check(`${label}: set`, res.status === 200 && res.json.completed === false && res.json.completed_at === null);

  // Isolation.
  res = await api(service, bob.token, "GET", base);
  check(`${label}: another user on this user's path is 403`, res.status === 403);
  res = await api(service, bob.token, "GET", `/api/${bob.id}/tasks/${mail.id}`);
  check(`${label}: another user's task id on one's own path is 404`, res.status === 404);
  res = await api(service, bob.token, "PATCH", `/api/${bob.id}/tasks/${mail.id}/complete`);
  check(`${label}: another user cannot toggle it`, res.status === 404);
  res = await api(service, bob.token, "DELETE", `/api/${bob.id}/tasks/${mail.id}`);
  check(`${label}: another user cannot delete it`, res.status === 404);
  res = await api(service, bob.token, "GET", `/api/${bob.id}/tasks`);
  check(`${label}: another user's list never shows it`, res.status === 200 && same(res.json, []));
  res = await api(service, "", "GET", base);
  check(`${label}: no token is 401`, res.status === 401);

  res = await api(service, alice.token, "DELETE", `${base}/${mail.id}`);
  check(`${label}: delete`, res.status === 204);
  res = await api(service, alice.token, "GET", `${base}/${mail.id}`);
  check(`${label}: deleted is gone`, res.status === 404);
}

async function jwksFlavour(alg) {
  const auth = await startBetterAuth({ alg });
  const service = await startService({ BETTER_AUTH_URL: auth.url });
  try {
    const alice = await signUp(auth, "Alice");
    const bob = await signUp(auth, "Bob");
    check(`${alg}: Better Auth signs with ${alg}`, header(alice.token).alg === alg, JSON.stringify(header(alice.token)));
    await journey(alg, service, alice, bob);
  } finally {
    await stopProcess(service.child);
    await stopProcess(auth.child);
  }
}

async function hs256Flavour() {
  const secret = "e2e-shared-secret-at-least-32-bytes-long!";
  const service = await startService({ BETTER_AUTH_SECRET: secret });
  const key = new TextEncoder().encode(secret);
  // As Next.js code with `jose` would sign them.
  const sign = (sub) =>
    new SignJWT({ sub }).setProtectedHeader({ alg: "HS256" }).setIssuedAt().setExpirationTime("15m").sign(key);
  try {
    const alice = { id: "hs256AliceUserId0000000000000000", token: await sign("hs256AliceUserId0000000000000000") };
    const bob = { id: "hs256BobUserId000000000000000000", token: await sign("hs256BobUserId000000000000000000") };
    await journey("HS256", service, alice, bob);
    const wrong = await new SignJWT({ sub: alice.id })
      .setProtectedHeader({ alg: "HS256" })
      .setExpirationTime("15m")
      .sign(new TextEncoder().encode("a-different-secret-of-at-least-32-bytes"));
    const res = await api(service, wrong, "GET", `/api/${alice.id}/tasks`);
    check("HS256: a token signed with another secret is 401", res.status === 401);
  } finally {
    await stopProcess(service.child);
  }
}

/**
 * Session mode: a Better Auth with the `bearer` plugin (and no `jwt` plugin,
 * so no JWKS); the service checks each opaque token with Better Auth's
 * `/api/auth/get-session` and trusts the answer for 2 s.
 */
async function sessionFlavour() {
  const auth = await startBetterAuth({ plugins: "bearer" });
  const service = await startService({
    BETTER_AUTH_URL: auth.url,
    BETTER_AUTH_SESSION_TOKENS: "true",
    BETTER_AUTH_SESSION_CACHE_SECONDS: "2",
  });
  try {
    const health = await fetch(`${service.url}/_health`);
    check("session: healthy although Better Auth publishes no JWKS", health.ok, `${health.status} ${await health.text()}`);

    const alice = await signInForSession(auth, "Alice");
    const bob = await signInForSession(auth, "Bob");
    // `<session token>.<HMAC-SHA256 of it, base64>`: the signed cookie value,
    // one dot, so never taken for a JWT.
    check(
      "session: set-auth-token is the signed session token, not a JWT",
      /^[A-Za-z0-9]{32}\.[A-Za-z0-9+/]{43}=$/.test(alice.token) && alice.token.split(".")[0] === alice.bodyToken,
      shape(alice.token),
    );

    await journey("session", service, alice, bob);

    // The change feed, with the same token.
    let res = await api(service, alice.token, "GET", `/api/${alice.id}/events`);
    const types = Array.isArray(res.json) ? res.json.map((e) => e.type) : res.json;
    const expected = [...Array(3).fill("task.created"), ...Array(4).fill("task.updated"), "task.deleted"];
    check(
      "session: change feed (JSON)",
      res.status === 200 && same(types, expected) && res.headers.get("x-last-event-id") === String(res.json.at(-1)?.id),
      `${res.status} ${JSON.stringify(types)} X-Last-Event-Id ${res.headers.get("x-last-event-id")}`,
    );
    res = await api(service, bob.token, "GET", `/api/${alice.id}/events`);
    check("session: another user's change feed is 403", res.status === 403, `${res.status}`);
    res = await api(service, bob.token, "GET", `/api/${bob.id}/events`);
    check("session: one's own change feed holds none of the other's events", res.status === 200 && same(res.json, []), `${res.status} ${JSON.stringify(res.json)}`);

    // The bearer plugin also takes the unsigned token (the sign-in body's
    // `token`); the service takes what Better Auth takes.
    res = await api(service, alice.bodyToken, "GET", `/api/${alice.id}/tasks`);
    check("session: the unsigned session token (sign-in body) works too", res.status === 200, `${res.status}`);

    res = await api(service, madeUpToken(), "GET", `/api/${alice.id}/tasks`);
    check("session: a made-up token is 401", res.status === 401, `${res.status} ${JSON.stringify(res.json)}`);
    check("session: with WWW-Authenticate invalid_token", (res.headers.get("www-authenticate") ?? "").includes("invalid_token"));

    // Sign-out: the bearer plugin turns the Authorization header into the
    // session cookie, so sign-out needs nothing else.
    res = await fetch(`${auth.url}/api/auth/sign-out`, { method: "POST", headers: { authorization: `Bearer ${alice.token}` } });
    const signedOut = res.ok && (await res.json())?.success === true;
    check("session: Better Auth signs the user out by bearer token", signedOut && (await betterAuthSession(auth, alice.token)) === null);
    await sleep(2500); // past BETTER_AUTH_SESSION_CACHE_SECONDS
    res = await api(service, alice.token, "GET", `/api/${alice.id}/tasks`);
    check("session: signed out, after the cache time the token is 401", res.status === 401, `${res.status} ${JSON.stringify(res.json)}`);
    res = await api(service, bob.token, "GET", `/api/${bob.id}/tasks`);
    check("session: the other user's session still works", res.status === 200, `${res.status}`);

    // Better Auth goes away: the session just checked (above) is still in
    // the cache; a token never checked cannot be checked, quickly.
    await stopProcess(auth.child);
    res = await api(service, bob.token, "GET", `/api/${bob.id}/tasks`);
    check("session: auth down, a session checked within the cache time still works", res.status === 200, `${res.status}`);
    const started = Date.now();
    res = await api(service, madeUpToken(), "GET", `/api/${bob.id}/tasks`);
    const elapsed = Date.now() - started;
    check("session: auth down, an unchecked token is 503, quickly", res.status === 503 && elapsed < 10_000, `${res.status} in ${elapsed} ms`);
    check("session: auth down, the service stays up", (await fetch(`${service.url}/_ping`)).ok);
  } finally {
    await stopProcess(service.child);
    await stopProcess(auth.child);
  }

  // Both plugins: one service in session mode takes Better Auth's JWTs and
  // its session tokens; a service not in session mode only the JWTs.
  const both = await startBetterAuth({ plugins: "jwt,bearer" });
  const sessions = await startService({ BETTER_AUTH_URL: both.url, BETTER_AUTH_SESSION_TOKENS: "true", BETTER_AUTH_SESSION_CACHE_SECONDS: "2" });
  const jwtOnly = await startService({ BETTER_AUTH_URL: both.url });
  try {
    const user = await signInForSession(both, "Alice");
    const jwtRes = await fetch(`${both.url}/api/auth/token`, { headers: { authorization: `Bearer ${user.token}` } });
    const jwt = jwtRes.ok ? (await jwtRes.json()).token : null;
    check("session+jwt: a JWT for the session (GET /api/auth/token by bearer token)", typeof jwt === "string" && jwt.split(".").length === 3, `${jwtRes.status}`);
    let res = await api(sessions, user.token, "GET", `/api/${user.id}/tasks`);
    check("session+jwt: session mode takes the session token", res.status === 200, `${res.status}`);
    res = await api(sessions, jwt, "GET", `/api/${user.id}/tasks`);
    check("session+jwt: session mode still takes the JWT", res.status === 200, `${res.status} ${JSON.stringify(res.json)}`);
    res = await api(jwtOnly, jwt, "GET", `/api/${user.id}/tasks`);
    check("session+jwt: without session mode, the JWT works", res.status === 200, `${res.status}`);
    res = await api(jwtOnly, user.token, "GET", `/api/${user.id}/tasks`);
    check("session+jwt: without session mode, the session token is 401", res.status === 401, `${res.status}`);
  } finally {
    await stopProcess(sessions.child);
    await stopProcess(jwtOnly.child);
    await stopProcess(both.child);
  }
}

async function keysAndFailures() {
  // Rotation: Better Auth restarts with fresh keys on the same URL; our
  // service, not restarted, accepts tokens with the new kid.
  const first = await startBetterAuth({ alg: "EdDSA" });
  const service = await startService({ BETTER_AUTH_URL: first.url, JWKS_REFETCH_COOLDOWN_SECONDS: "1" });
  try {
    const before = await signUp(first, "Alice");
    let res = await api(service, before.token, "GET", `/api/${before.id}/tasks`);
    check("rotation: token of the first key accepted", res.status === 200);
    await stopProcess(first.child);
    const second = await startBetterAuth({ alg: "EdDSA", port: first.port });
    const after = await signUp(second, "Alice");
    check("rotation: the new token carries a new kid", header(after.token).kid !== header(before.token).kid);
    await sleep(1100); // past the refetch cool-down
    res = await api(service, after.token, "GET", `/api/${after.id}/tasks`);
    check("rotation: new kid accepted without restarting the service", res.status === 200, `${res.status} ${JSON.stringify(res.json)}`);

    // A token from another Better Auth (other keys, other issuer).
    const foreignAuth = await startBetterAuth({ alg: "EdDSA" });
    const foreign = await signUp(foreignAuth, "Mallory");
    res = await api(service, foreign.token, "GET", `/api/${foreign.id}/tasks`);
    check("foreign: a token from another Better Auth is 401", res.status === 401, `${res.status}`);
    check("foreign: with WWW-Authenticate invalid_token", (res.headers.get("www-authenticate") ?? "").includes("invalid_token"));

    // Better Auth goes down mid-suite.
    await stopProcess(second.child);
    let started = Date.now();
    res = await api(service, after.token, "GET", `/api/${after.id}/tasks`);
    check("auth down: cached key still verifies", res.status === 200);
    await sleep(1100);
    started = Date.now();
    res = await api(service, foreign.token, "GET", `/api/${foreign.id}/tasks`);
    const elapsed = Date.now() - started;
    check("auth down: unknown kid answers 401 or 503, quickly", [401, 503].includes(res.status) && elapsed < 10_000, `${res.status} in ${elapsed} ms`);
    await stopProcess(foreignAuth.child);

    // A service that never saw the keys, while Better Auth is down.
    const cold = await startService({ BETTER_AUTH_URL: second.url });
    started = Date.now();
    res = await api(cold, after.token, "GET", `/api/${after.id}/tasks`);
    check("auth down: a fresh service answers 503, quickly", res.status === 503 && Date.now() - started < 10_000, `${res.status}`);
    const ping = await fetch(`${cold.url}/_ping`);
    check("auth down: the service stays up", ping.ok);
    await stopProcess(cold.child);
  } finally {
    await stopProcess(service.child);
  }

  // Expiry: Better Auth issues 2-second tokens; no leeway on our side.
  const shortLived = await startBetterAuth({ alg: "EdDSA", expiration: "2s" });
  const strict = await startService({ BETTER_AUTH_URL: shortLived.url, JWT_LEEWAY_SECONDS: "0" });
  try {
    const user = await signUp(shortLived, "Alice");
    let res = await api(strict, user.token, "GET", `/api/${user.id}/tasks`);
    check("expiry: fresh token accepted", res.status === 200);
    await sleep(3500);
    res = await api(strict, user.token, "GET", `/api/${user.id}/tasks`);
    check("expiry: expired token is 401", res.status === 401 && /expired/.test(res.json?.detail ?? ""), `${res.status} ${JSON.stringify(res.json)}`);
  } finally {
    await stopProcess(strict.child);
    await stopProcess(shortLived.child);
  }
}

/** Runs the official Python MCP SDK's client (tests/e2e/mcp/client.py); resolves to its exit code and output. */
function mcpClient(args) {
  const python = process.env.MCP_PYTHON ?? join(repo, "target/mcp-venv/bin/python");
  const child = track(spawn(python, [join(repo, "tests/e2e/mcp/client.py"), ...args], { stdio: ["ignore", "pipe", "pipe"] }));
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  return new Promise((res) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
    child.once("exit", (code) => {
      clearTimeout(timer);
      res({ code, output });
    });
  });
}

/**
 * The MCP endpoint with the official Python SDK's client and real Better
 * Auth tokens, on SQLite and on PostgreSQL: the jwt plugin's token (both
 * protocol eras: the initialize handshake and the 2026-07-28 discover), and
 * an OAuth access token for the MCP resource from the OAuth provider plugin,
 * got through its authorization code flow, which the REST routes refuse.
 */
async function mcpFlavour() {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const resource = `${base}/mcp`;
  const auth = await startBetterAuth({ mcpResource: resource });
  try {
    for (const db of ["sqlite", "postgres"]) {
      const settings = { BETTER_AUTH_URL: auth.url, PUBLIC_URL: base };
      if (db === "postgres") settings.DATABASE_URL = freshPostgres("todo_api_e2e_mcp");
      const service = await startService(settings, port);
      try {
        const alice = await signUp(auth, "Alice");
        const bob = await signUp(auth, "Bob");
        const bobs = await api(service, bob.token, "POST", `/api/${bob.id}/tasks`, { title: "Bob's secret" });
        for (const mode of ["legacy", "auto"]) {
          const run = await mcpClient(["--url", service.url, "--token", alice.token, "--user", alice.id, "--mode", mode, "--foreign-task", String(bobs.json.id)]);
          check(`mcp [${db}] the Python SDK (${mode}) with a Better Auth JWT: every tool`, run.code === 0, run.output);
        }
        const bobsAfter = await api(service, bob.token, "GET", `/api/${bob.id}/tasks/${bobs.json.id}`);
        check(`mcp [${db}] the other user's task is untouched`, JSON.stringify(bobsAfter.json) === JSON.stringify(bobs.json), JSON.stringify(bobsAfter.json));

        const anonymous = await fetch(`${base}/mcp`, {
          method: "POST",
          headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
          body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
        });
        check(
          `mcp [${db}] no token: 401 naming the resource metadata`,
          anonymous.status === 401 && anonymous.headers.get("www-authenticate") === `Bearer resource_metadata="${base}/.well-known/oauth-protected-resource"`,
          `${anonymous.status} ${anonymous.headers.get("www-authenticate")}`,
        );
        const metadata = await (await fetch(`${base}/.well-known/oauth-protected-resource`)).json();
        check(
          `mcp [${db}] the resource metadata names the resource and Better Auth`,
          metadata.resource === resource && JSON.stringify(metadata.authorization_servers) === JSON.stringify([auth.url]),
          JSON.stringify(metadata),
        );

        const oauth = await mcpAccessToken({ authUrl: auth.url, resource, cookie: alice.cookie, scope: "profile email" });
        const [header, claims] = oauth.accessToken.split(".").slice(0, 2).map((part) => JSON.parse(Buffer.from(part, "base64url")));
        check(`mcp [${db}] the OAuth provider issued an at+jwt for the resource`, header.typ === "at+jwt" && claims.aud === resource && claims.sub === alice.id && !!claims.azp, JSON.stringify({ header, claims }));
        const viaOAuth = await mcpClient(["--url", service.url, "--token", oauth.accessToken, "--user", alice.id, "--mode", "auto", "--feed-token", alice.token]);
        check(`mcp [${db}] the Python SDK with the OAuth access token: every tool`, viaOAuth.code === 0, viaOAuth.output);
        const rest = await api(service, oauth.accessToken, "GET", `/api/${alice.id}/tasks`);
        check(`mcp [${db}] the REST routes refuse the OAuth access token`, rest.status === 401 && /audience/.test(rest.json?.detail ?? ""), `${rest.status} ${JSON.stringify(rest.json)}`);
      } finally {
        await stopProcess(service.child);
      }
    }
  } finally {
    await stopProcess(auth.child);
  }
}

async function main() {
  if (!existsSync(bin)) {
    console.error(`e2e: the service binary ${bin} is missing; build it first (cargo test --no-run or cargo build)`);
    process.exit(2);
  }
  await runSuite(work, async () => {
    // E2E_ONLY=mcp runs the MCP part alone (while working on it).
    if (process.env.E2E_ONLY !== "mcp") {
      for (const alg of ["EdDSA", "ES256", "ES512", "RS256", "PS256"]) {
        await jwksFlavour(alg);
      }
      await hs256Flavour();
      await sessionFlavour();
      await keysAndFailures();
    }
    await mcpFlavour();
  });
}

await main();
