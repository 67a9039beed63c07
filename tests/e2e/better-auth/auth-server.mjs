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
//   MCP_RESOURCE   if set (e.g. http://127.0.0.1:5150/mcp): also the OAuth 2.1
//                  provider (@better-auth/oauth-provider) with this protected
//                  resource, open dynamic client registration linked to it,
//                  and JWT access tokens (`typ: at+jwt`, `aud` = the resource)
//                  signed with the jwt plugin's keys. Needs the jwt plugin.
//   MCP_SCOPES     space-separated extra scopes the provider accepts besides
//                  its defaults (openid profile email offline_access)
//   BA_JWT_ISSUER  the jwt plugin's `jwt.issuer` (default: unset, so the
//                  plugin's own tokens say the base URL and the OAuth
//                  provider's tokens say the base URL + /api/auth)
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
const mcpResource = process.env.MCP_RESOURCE;
if (!port || !process.env.BA_DB || !keyPairConfigs[alg] || [...plugins].some((p) => !["jwt", "bearer"].includes(p))) {
  console.error("auth-server: BA_PORT, BA_DB, a known BA_ALG and known BA_PLUGINS are required");
  process.exit(2);
}
if (mcpResource && !plugins.has("jwt")) {
  console.error("auth-server: MCP_RESOURCE needs the jwt plugin (its keys sign the access tokens)");
  process.exit(2);
}

/**
 * The OAuth provider for an MCP server at `resource`. There are no login or
 * consent pages: a script reads the signed query off the redirect to them and
 * answers with `/sign-in/email` or `/oauth2/consent` (see oauth.mjs).
 */
async function mcpOAuthProvider(resource) {
  const { oauthProvider } = await import("@better-auth/oauth-provider");
  const extraScopes = (process.env.MCP_SCOPES ?? "").split(/\s+/).filter(Boolean);
  return oauthProvider({
    loginPage: `${baseURL}/sign-in`,
    consentPage: `${baseURL}/consent`,
    ...(extraScopes.length ? { scopes: ["openid", "profile", "email", "offline_access", ...extraScopes] } : {}),
    // The protected resource (RFC 8707): an access token requested with
    // `resource=<it>` is a JWT with that `aud`; without a `resource` the
    // token is opaque.
    resources: [resource],
    // Clients are checked against the resources they are linked to (the
    // default); every dynamically registered client is linked to this one.
    clientRegistrationDefaultResources: [resource],
    // RFC 7591 registration without a session, as MCP clients do it.
    allowDynamicClientRegistration: true,
    allowUnauthenticatedClientRegistration: true,
  });
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
            jwt:
              process.env.BA_EXPIRATION || process.env.BA_JWT_ISSUER
                ? {
                    ...(process.env.BA_EXPIRATION ? { expirationTime: process.env.BA_EXPIRATION } : {}),
                    ...(process.env.BA_JWT_ISSUER ? { issuer: process.env.BA_JWT_ISSUER } : {}),
                  }
                : undefined,
          }),
        ]
      : []),
    ...(plugins.has("bearer") ? [bearer()] : []),
    ...(mcpResource ? [await mcpOAuthProvider(mcpResource)] : []),
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
