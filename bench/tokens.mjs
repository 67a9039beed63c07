// Writes "user_id token" lines for the load generator: valid tokens of
// many users, alternating HS256 (signed with the shared secret, as a
// frontend would) and EdDSA (the fixture Ed25519 key, published by the
// benchmark's JWKS server, as Better Auth would).
//   node tokens.mjs <users> <secret> <issuer> > tokens.txt
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, "../tests/e2e/better-auth/package.json"));
const { SignJWT, importPKCS8 } = await import(require.resolve("jose"));

const [users, secret, issuer] = [Number(process.argv[2]), process.argv[3], process.argv[4]];
const hmac = new TextEncoder().encode(secret);
const ed = await importPKCS8(readFileSync(join(here, "../tests/fixtures/keys/ed25519.pem"), "utf8"), "EdDSA");
const lines = [];
for (let u = 0; u < users; u += 1) {
  const sub = `bench-user-${String(u).padStart(5, "0")}`;
  const jwt = new SignJWT({ sub }).setIssuedAt().setExpirationTime("2h");
  const token =
    u % 2 === 0
      ? await jwt.setProtectedHeader({ alg: "HS256" }).sign(hmac)
      : await jwt
          .setProtectedHeader({ alg: "EdDSA", kid: "bench-key" })
          .setIssuer(issuer)
          .setAudience(issuer)
          .sign(ed);
  lines.push(`${sub} ${token}`);
}
process.stdout.write(lines.join("\n") + "\n");
