// An MCP client's side of OAuth 2.1 against a real Better Auth running the
// OAuth provider plugin (auth-server.mjs with MCP_RESOURCE), with plain
// fetch and no browser: discovery (RFC 8414), dynamic client registration
// (RFC 7591, a public client), the authorization code flow with PKCE (S256)
// and a resource indicator (RFC 8707), the login and consent steps a person
// would take on the provider's pages, and the code exchange.
//
// auth-server.mjs names its login page `/sign-in` and its consent page
// `/consent` and serves neither: the provider redirects there with a signed
// query (`oauth_query`), and this script answers as those pages would, with
// `POST /sign-in/email` and `POST /oauth2/consent`.
import { createHash, randomBytes } from "node:crypto";

const b64url = (bytes) => Buffer.from(bytes).toString("base64url");

/** Where the next step goes: a 3xx's Location or the `{ redirect, url }` JSON the provider answers fetches with. */
async function nextLocation(res, step) {
  if (res.status >= 300 && res.status < 400) return res.headers.get("location");
  const text = await res.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (res.ok && body?.url) return body.url;
  throw new Error(`${step}: ${res.status} ${text}`);
}

/** The `name=value` pairs of a response's Set-Cookie headers, merged into `cookie`. */
function withCookies(cookie, res) {
  const jar = new Map(
    (cookie ?? "")
      .split(/;\s*/)
      .filter(Boolean)
      .map((c) => [c.slice(0, c.indexOf("=")), c]),
  );
  for (const c of res.headers.getSetCookie()) {
    const pair = c.split(";")[0];
    jar.set(pair.slice(0, pair.indexOf("=")), pair);
  }
  return [...jar.values()].join("; ");
}

/**
 * The authorization server metadata of `issuer` (RFC 8414 §3.1: the
 * well-known segment goes between the host and the issuer's path).
 */
export async function authorizationServerMetadata(issuer) {
  const url = new URL(issuer);
  const path = url.pathname.replace(/\/$/, "");
  const res = await fetch(`${url.origin}/.well-known/oauth-authorization-server${path}`);
  if (!res.ok) throw new Error(`metadata of ${issuer}: ${res.status} ${await res.text()}`);
  const metadata = await res.json();
  if (metadata.issuer !== issuer) throw new Error(`metadata names issuer ${metadata.issuer}, not ${issuer}`);
  return metadata;
}

/** Registers a public client (no secret, PKCE) with a loopback redirect URI, as an MCP client does. */
export async function registerClient(metadata, { redirectUri, scope, name = "todo-api e2e MCP client" }) {
  const res = await fetch(metadata.registration_endpoint, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      client_name: name,
      redirect_uris: [redirectUri],
      // Loopback http redirects are for native clients; "web" (the default)
      // needs https on a non-loopback host.
      application_type: "native",
      token_endpoint_auth_method: "none",
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      ...(scope ? { scope } : {}),
    }),
  });
  if (res.status !== 201) throw new Error(`client registration: ${res.status} ${await res.text()}`);
  return res.json();
}

/**
 * Gets an OAuth access token for the MCP server at `resource` from the Better
 * Auth at `authUrl`, as an MCP client and its user would.
 *
 * - `authUrl`: Better Auth's base URL (`http://127.0.0.1:PORT`); its API is
 *   under `/api/auth`, which is also the provider's issuer unless `issuer`
 *   says otherwise (auth-server.mjs's BA_JWT_ISSUER).
 * - `resource`: the MCP server's URL, sent as `resource` to both endpoints.
 * - `cookie`: a signed-in user's session cookie; or `email` and `password`,
 *   with which the user signs in on the login page the provider sends them to.
 * - `scope`: space-separated; omitted, the client gets every scope it
 *   registered with, `openid` included, which adds the userinfo endpoint to
 *   `aud` (an array then).
 * - `clientId`: a client registered earlier; omitted, one is registered.
 *
 * Returns `{ accessToken, tokenType, expiresIn, scope, refreshToken, idToken,
 * clientId, userId, cookie, issuer, metadata, steps }`; `userId` is the
 * session's user id according to `/get-session`, `cookie` the session cookie,
 * `steps` where each step of the authorization led (for a reader).
 */
export async function mcpAccessToken({
  authUrl,
  resource,
  cookie,
  email,
  password,
  scope,
  clientId,
  issuer = `${authUrl}/api/auth`,
  redirectUri = "http://127.0.0.1:53682/callback",
}) {
  if (!cookie && !(email && password)) throw new Error("mcpAccessToken: a session cookie, or email and password");
  const api = `${authUrl}/api/auth`;
  const metadata = await authorizationServerMetadata(issuer);
  clientId ??= (await registerClient(metadata, { redirectUri, scope })).client_id;

  const verifier = b64url(randomBytes(32));
  const challenge = b64url(createHash("sha256").update(verifier).digest());
  const state = b64url(randomBytes(16));
  const authorize = new URL(metadata.authorization_endpoint);
  for (const [k, v] of Object.entries({
    response_type: "code",
    client_id: clientId,
    redirect_uri: redirectUri,
    state,
    code_challenge: challenge,
    code_challenge_method: "S256",
    resource,
    ...(scope ? { scope } : {}),
  }))
    authorize.searchParams.set(k, v);

  // Follow the provider through its login and consent pages to the redirect
  // URI, as a browser and its user would.
  let location = await nextLocation(
    await fetch(authorize, { redirect: "manual", headers: cookie ? { cookie } : {} }),
    "authorize",
  );
  const steps = [`authorize -> ${location.split("?")[0]}`];
  let code;
  for (let hops = 0; !code; hops++) {
    if (hops > 5) throw new Error(`authorization went round in circles, last at ${location}`);
    const next = new URL(location, authUrl);
    const oauthQuery = next.search.slice(1);
    if (location.startsWith(redirectUri)) {
      const error = next.searchParams.get("error");
      if (error) throw new Error(`authorization refused: ${error}: ${next.searchParams.get("error_description")}`);
      if (next.searchParams.get("state") !== state) throw new Error("authorization response: state differs");
      // RFC 9207: the provider names itself in the authorization response.
      if (next.searchParams.get("iss") !== metadata.issuer)
        throw new Error(`authorization response: iss ${next.searchParams.get("iss")}, not ${metadata.issuer}`);
      code = next.searchParams.get("code");
    } else if (next.origin === new URL(authUrl).origin && next.pathname === "/sign-in") {
      if (!email) throw new Error("the provider asks for a login, and there are no credentials");
      const res = await fetch(`${api}/sign-in/email`, {
        method: "POST",
        redirect: "manual",
        headers: { "content-type": "application/json", origin: authUrl },
        body: JSON.stringify({ email, password, oauth_query: oauthQuery }),
      });
      cookie = withCookies(cookie, res);
      location = await nextLocation(res, "sign-in");
      steps.push(`sign-in -> ${location.split("?")[0]}`);
    } else if (next.origin === new URL(authUrl).origin && next.pathname === "/consent") {
      const res = await fetch(`${api}/oauth2/consent`, {
        method: "POST",
        redirect: "manual",
        headers: { "content-type": "application/json", origin: authUrl, cookie },
        body: JSON.stringify({ accept: true, oauth_query: oauthQuery }),
      });
      location = await nextLocation(res, "consent");
      steps.push(`consent -> ${location.split("?")[0]}`);
    } else {
      throw new Error(`authorization led to ${location}`);
    }
  }

  const res = await fetch(metadata.token_endpoint, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code,
      redirect_uri: redirectUri,
      client_id: clientId,
      code_verifier: verifier,
      resource,
    }),
  });
  const tokens = await res.json();
  if (!res.ok) throw new Error(`token endpoint: ${res.status} ${JSON.stringify(tokens)}`);

  const sessionRes = await fetch(`${api}/get-session`, { headers: { cookie } });
  const session = await sessionRes.json();
  if (!session?.user?.id) throw new Error(`get-session: ${sessionRes.status} ${JSON.stringify(session)}`);

  return {
    accessToken: tokens.access_token,
    tokenType: tokens.token_type,
    expiresIn: tokens.expires_in,
    scope: tokens.scope,
    refreshToken: tokens.refresh_token,
    idToken: tokens.id_token,
    clientId,
    userId: session.user.id,
    cookie,
    issuer: metadata.issuer,
    metadata,
    steps,
  };
}
