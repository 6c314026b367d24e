// Cognito hosted-UI login: OAuth2 authorization code with PKCE, so the page (a public client) holds
// no secret. The ID token lives in sessionStorage: it ends with the tab, and nothing else can read it.

const TOKEN = "portcullis.idToken";
const PENDING = "portcullis.login";

/** Returns an ID token, finishing a login this page was redirected back from, or starting one. */
export async function idToken(auth) {
  const params = new URLSearchParams(location.search);
  if (params.has("code")) return finishLogin(auth, params);
  const saved = JSON.parse(sessionStorage.getItem(TOKEN) ?? "null");
  if (saved && saved.expiresAt > Date.now() + 60_000) return saved.token;
  return startLogin(auth);
}

/** After a 401: the token was revoked or expired early. */
export function forgetToken() {
  sessionStorage.removeItem(TOKEN);
}

export async function startLogin(auth) {
  const verifier = randomString(32);
  const state = randomString(16);
  // The route (hash) is kept so the user lands where they were going.
  sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state, hash: location.hash }));
  const url = new URL("/oauth2/authorize", origin(auth.cognitoDomain));
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: auth.clientId,
    redirect_uri: auth.redirectUri,
    scope: "openid email profile",
    state,
    code_challenge_method: "S256",
    code_challenge: await challenge(verifier),
  }).toString();
  location.assign(url.href);
  // The page is leaving; never resolve, so nothing renders meanwhile.
  return new Promise(() => {});
}

async function finishLogin(auth, params) {
  const pending = JSON.parse(sessionStorage.getItem(PENDING) ?? "null");
  sessionStorage.removeItem(PENDING);
  // A code without our state was not started by this tab: ignore it (login CSRF).
  if (!pending || params.get("state") !== pending.state) return startLogin(auth);
  const res = await fetch(new URL("/oauth2/token", origin(auth.cognitoDomain)), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      client_id: auth.clientId,
      code: params.get("code") ?? "",
      redirect_uri: auth.redirectUri,
      code_verifier: pending.verifier,
    }),
  });
  if (!res.ok) throw new Error(`login failed: the token endpoint answered ${res.status}`);
  const body = await res.json();
  const token = { token: body.id_token, expiresAt: Date.now() + Number(body.expires_in ?? 3600) * 1000 };
  sessionStorage.setItem(TOKEN, JSON.stringify(token));
  // Drop ?code=&state= from the address bar and history.
  history.replaceState(null, "", `${location.pathname}${pending.hash || "#/"}`);
  return token.token;
}

function origin(domain) {
  return /^https?:\/\//.test(domain) ? domain : `https://${domain}`;
}

function randomString(bytes) {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

async function challenge(verifier) {
  return base64url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))));
}

function base64url(bytes) {
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}
