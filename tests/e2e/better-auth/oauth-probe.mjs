// Shows what an OAuth access token for an MCP server looks like when a real
// Better Auth (auth-server.mjs with the OAuth provider) issues it: starts the
// auth server, signs a user up, gets tokens through oauth.mjs's flow and
// prints their JOSE headers and claims, next to the jwt plugin's own token
// for the same user, with the JWKS and the provider's metadata. Then checks
// each access token against the JWKS with jose. Exits non-zero on a failure.
//
//   node oauth-probe.mjs [--same-issuer]
//
// BA_ALG and MCP_SCOPES as for auth-server.mjs. `--same-issuer` sets the jwt
// plugin's `jwt.issuer` to the base URL, so that both kinds of token say the
// same `iss` (and the provider's metadata moves to the root well-known path).
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from "jose";
import { freePort } from "../harness.mjs";
import { mcpAccessToken } from "./oauth.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const work = mkdtempSync(join(tmpdir(), "oauth-probe-"));
const port = await freePort();
const authUrl = `http://127.0.0.1:${port}`;
const resource = process.env.MCP_RESOURCE ?? "http://127.0.0.1:5150/mcp";
const sameIssuer = process.argv.includes("--same-issuer");
const issuer = sameIssuer ? authUrl : undefined;

const child = spawn(process.execPath, ["auth-server.mjs"], {
  cwd: here,
  env: {
    ...process.env,
    BA_PORT: String(port),
    BA_DB: join(work, "auth.sqlite"),
    MCP_RESOURCE: resource,
    ...(sameIssuer ? { BA_JWT_ISSUER: authUrl } : {}),
  },
  stdio: ["ignore", "pipe", "pipe"],
});
let output = "";
await new Promise((res, rej) => {
  const timer = setTimeout(() => rej(new Error(`auth server did not start:\n${output}`)), 30_000);
  const onData = (chunk) => {
    output += chunk;
    if (output.includes("ready ")) clearTimeout(timer), res();
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  child.once("exit", (code) => rej(new Error(`auth server exited with ${code}:\n${output}`)));
});

const show = (title, value) => console.log(`\n== ${title}\n${JSON.stringify(value, null, 2)}`);
const decode = (jwt) => ({ header: decodeProtectedHeader(jwt), claims: decodeJwt(jwt) });
let failed = 0;
const check = (name, ok, detail = "") => {
  console.log(`${ok ? "ok  " : "FAIL"} ${name}${ok || !detail ? "" : `: ${detail}`}`);
  if (!ok) failed++;
};

try {
  const email = `probe-${Date.now()}@example.com`;
  const password = "correct-horse-battery";
  const signUp = await fetch(`${authUrl}/api/auth/sign-up/email`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: authUrl },
    body: JSON.stringify({ email, password, name: "Probe" }),
  });
  if (!signUp.ok) throw new Error(`sign-up: ${signUp.status} ${await signUp.text()}`);
  const { user } = await signUp.json();
  const signUpCookie = signUp.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  const pluginToken = (await (await fetch(`${authUrl}/api/auth/token`, { headers: { cookie: signUpCookie } })).json()).token;

  // A new client; the user is not signed in, signs in on the login page, consents.
  const first = await mcpAccessToken({ authUrl, issuer, resource, email, password, scope: "profile email offline_access" });
  // The same client again, with the session: consent is remembered; no scope
  // asked for, so every scope the client registered with, `openid` included.
  const second = await mcpAccessToken({ authUrl, issuer, resource, cookie: first.cookie, clientId: first.clientId });
  show("authorization steps, first and second time", { first: first.steps, second: second.steps });

  show("authorization server metadata", first.metadata);
  const jwks = await (await fetch(first.metadata.jwks_uri)).json();
  show(`JWKS (${first.metadata.jwks_uri})`, jwks);
  show("jwt plugin token (GET /api/auth/token)", decode(pluginToken));
  show(`OAuth access token, scope "profile email offline_access"`, decode(first.accessToken));
  show(`token response besides the access token`, {
    token_type: first.tokenType,
    expires_in: first.expiresIn,
    scope: first.scope,
    refresh_token: first.refreshToken && `${first.refreshToken.slice(0, 6)}... (opaque)`,
    id_token: first.idToken && decode(first.idToken),
  });
  show("OAuth access token, no scope asked for (the client's: openid included)", decode(second.accessToken));
  console.log();

  const keys = createLocalJWKSet(jwks);
  for (const [name, got] of [
    ["first", first],
    ["second", second],
  ]) {
    try {
      const { payload, protectedHeader } = await jwtVerify(got.accessToken, keys, {
        issuer: got.issuer,
        audience: resource,
        typ: "at+jwt",
      });
      check(`${name}: verifies against the JWKS (iss ${got.issuer}, aud ${resource}, typ at+jwt)`, true);
      check(`${name}: alg is the jwt plugin's (${protectedHeader.alg})`, protectedHeader.alg === (process.env.BA_ALG ?? "EdDSA"));
      check(`${name}: sub is the user id`, payload.sub === user.id && got.userId === user.id, payload.sub);
      check(`${name}: azp and client_id are the client`, payload.azp === got.clientId && payload.client_id === got.clientId);
    } catch (e) {
      check(`${name}: verifies against the JWKS`, false, e.message);
    }
  }
  const plugin = decodeJwt(pluginToken);
  const firstClaims = decodeJwt(first.accessToken);
  const secondClaims = decodeJwt(second.accessToken);
  check(`the jwt plugin token's sub is the same user id`, plugin.sub === firstClaims.sub);
  check(`without openid, aud is a string`, typeof firstClaims.aud === "string", JSON.stringify(firstClaims.aud));
  check(
    `with openid, aud is an array: the resource and the userinfo endpoint`,
    Array.isArray(secondClaims.aud) && secondClaims.aud.includes(resource) && secondClaims.aud.includes(first.metadata.userinfo_endpoint),
    JSON.stringify(secondClaims.aud),
  );
  console.log(
    `\niss of the jwt plugin's tokens: ${plugin.iss}\niss of the OAuth access tokens: ${firstClaims.iss}` +
      `${plugin.iss === firstClaims.iss ? " (the same)" : " (not the same)"}`,
  );
  console.log(`\n${failed ? `${failed} checks failed` : "all checks passed"}`);
} catch (e) {
  console.error(e);
  console.error(`auth server output:\n${output}`);
  failed++;
} finally {
  child.kill("SIGTERM");
  rmSync(work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
