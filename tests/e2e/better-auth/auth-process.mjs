// A real Better Auth server (auth-server.mjs beside this file) as a child
// process of a suite: on its own port and SQLite database.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, startProcess } from "../harness.mjs";

const here = dirname(fileURLToPath(import.meta.url));

/**
 * Starts Better Auth with its database in `work`: `alg` for its JWT
 * plugin, `expiration` of its tokens, `plugins`, and with `mcpResource`
 * its OAuth provider for that resource. Resolves to `{ url, port, db, child }`.
 */
export async function startBetterAuth({ work, alg = "EdDSA", expiration, port, db, plugins, mcpResource }) {
  port ??= await freePort();
  db ??= join(work, `better-auth-${alg}-${port}-${Date.now()}.sqlite`);
  const env = { ...process.env, BA_PORT: String(port), BA_DB: db, BA_ALG: alg };
  if (expiration) env.BA_EXPIRATION = expiration;
  if (plugins) env.BA_PLUGINS = plugins;
  if (mcpResource) env.MCP_RESOURCE = mcpResource;
  const child = await startProcess("better-auth", process.execPath, ["auth-server.mjs"], { cwd: here, env }, (l) =>
    l.startsWith("ready "),
  );
  return { url: `http://127.0.0.1:${port}`, port, db, child };
}

export const PASSWORD = "correct-horse-battery";
export const newEmail = (name) => `${name.toLowerCase()}-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`;

/** Signs a user up through Better Auth and gets their JWT, as a frontend does. */
export async function signUp(auth, name) {
  const res = await fetch(`${auth.url}/api/auth/sign-up/email`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: auth.url },
    body: JSON.stringify({ email: newEmail(name), password: PASSWORD, name }),
  });
  if (!res.ok) throw new Error(`sign-up failed: ${res.status} ${await res.text()}`);
  const { user } = await res.json();
  const cookie = res.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  return { id: user.id, cookie, token: await freshToken(auth, cookie) };
}

/** A new JWT for the session behind `cookie`. */
export async function freshToken(auth, cookie) {
  const res = await fetch(`${auth.url}/api/auth/token`, { headers: { cookie } });
  if (!res.ok) throw new Error(`token failed: ${res.status} ${await res.text()}`);
  return (await res.json()).token;
}
