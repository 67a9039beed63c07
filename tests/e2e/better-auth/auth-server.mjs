// A minimal, real Better Auth server: email and password sign-in, the `jwt`
// plugin with its defaults (unless the environment says otherwise), SQLite
// storage through better-sqlite3, bound to 127.0.0.1.
//
//   BA_PORT        port to listen on (required)
//   BA_DB          SQLite file (required; a fresh file means fresh keys)
//   BA_ALG         key algorithm: EdDSA (default), ES256, ES512, RS256, PS256
//   BA_EXPIRATION  token lifetime, Better Auth syntax (default "15m")
//   BA_PLUGINS     comma-separated: `jwt` (default), `bearer` (session tokens
//                  in `set-auth-token`, accepted as `Authorization: Bearer`)
//
// Prints "ready <base URL>" once it serves.
import { createServer } from "node:http";
import Database from "better-sqlite3";
import { betterAuth } from "better-auth";
import { getMigrations } from "better-auth/db/migration";
import { toNodeHandler } from "better-auth/node";
import { bearer, jwt } from "better-auth/plugins";

const port = Number(process.env.BA_PORT);
const alg = process.env.BA_ALG ?? "EdDSA";
const baseURL = `http://127.0.0.1:${port}`;

const plugins = new Set((process.env.BA_PLUGINS ?? "jwt").split(",").map((p) => p.trim()).filter(Boolean));
const keyPairConfigs = {
  EdDSA: { alg: "EdDSA", crv: "Ed25519" },
  ES256: { alg: "ES256" },
  ES512: { alg: "ES512" },
  RS256: { alg: "RS256", modulusLength: 2048 },
  PS256: { alg: "PS256", modulusLength: 2048 },
};
if (!port || !process.env.BA_DB || !keyPairConfigs[alg] || [...plugins].some((p) => !["jwt", "bearer"].includes(p))) {
  console.error("auth-server: BA_PORT, BA_DB, a known BA_ALG and known BA_PLUGINS are required");
  process.exit(2);
}

const options = {
  baseURL,
  secret: "e2e-only-better-auth-secret-0123456789abcdef",
  database: new Database(process.env.BA_DB),
  emailAndPassword: { enabled: true },
  trustedOrigins: [baseURL],
  plugins: [
    ...(plugins.has("jwt")
      ? [
          jwt({
            jwks: { keyPairConfig: keyPairConfigs[alg] },
            jwt: process.env.BA_EXPIRATION ? { expirationTime: process.env.BA_EXPIRATION } : undefined,
          }),
        ]
      : []),
    ...(plugins.has("bearer") ? [bearer()] : []),
  ],
};

const { runMigrations } = await getMigrations(options);
await runMigrations();
const auth = betterAuth(options);

const server = createServer(toNodeHandler(auth));
server.listen(port, "127.0.0.1", () => console.log(`ready ${baseURL}`));
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
