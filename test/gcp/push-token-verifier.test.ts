import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPushTokenVerifier, type PushTokenResult } from "../../lib/gcp/push-token-verifier.js";
import {
  googleClaims,
  type JwksServer,
  startJwksServer,
  TEST_AUDIENCE,
  TEST_SERVICE_ACCOUNT,
} from "../helpers/google-oidc.js";

let jwks: JwksServer;
beforeAll(async () => {
  jwks = await startJwksServer();
});
afterAll(() => jwks.close());

function verifier(extra: { now?: () => Date; jwksUrl?: string } = {}) {
  return createPushTokenVerifier({
    audience: TEST_AUDIENCE,
    serviceAccountEmail: TEST_SERVICE_ACCOUNT,
    jwksUrl: jwks.url,
    fetchTimeoutMs: 2000,
    ...extra,
  });
}

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

function expectRefused(result: PushTokenResult, reason: RegExp, token?: string) {
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.reason).toMatch(reason);
  expect(result.retryable).toBeUndefined();
  if (token) expect(result.reason).not.toContain(token.split(".")[2]);
}

describe("push token verifier", () => {
  it("accepts a Google-signed token for our audience and service account", async () => {
    const token = await jwks.sign(googleClaims());
    expect(await verifier().verify(`Bearer ${token}`)).toEqual({
      ok: true,
      email: TEST_SERVICE_ACCOUNT,
      subject: "113774264463038321964",
    });
  });

  it("accepts the issuer without scheme and the email in another case", async () => {
    const token = await jwks.sign(
      googleClaims({ iss: "accounts.google.com", email: TEST_SERVICE_ACCOUNT.toUpperCase() }),
    );
    expect((await verifier().verify(`Bearer ${token}`)).ok).toBe(true);
  });

  it.each([
    ["another audience", { aud: "https://evil.example/" }, /aud/],
    ["another issuer", { iss: "https://evil.example" }, /iss/],
    [
      "another service account",
      { email: "attacker@evil.iam.gserviceaccount.com" },
      /another service account/,
    ],
    ["email_verified false", { email_verified: false }, /email_verified/],
    ["email_verified as a string", { email_verified: "true" }, /email_verified/],
    ["no email", { email: undefined }, /email/],
  ])("refuses a token with %s", async (_, overrides, reason) => {
    const token = await jwks.sign(googleClaims(overrides));
    expectRefused(await verifier().verify(`Bearer ${token}`), reason, token);
  });

  it("refuses an expired token, allowing 30 s of clock skew", async () => {
    const now = Math.floor(Date.now() / 1000);
    const stale = await jwks.sign(googleClaims({ iat: now - 3700, exp: now - 100 }));
    expectRefused(await verifier().verify(`Bearer ${stale}`), /ERR_JWT_EXPIRED/, stale);
    const skewed = await jwks.sign(googleClaims({ iat: now - 3610, exp: now - 10 }));
    expect((await verifier().verify(`Bearer ${skewed}`)).ok).toBe(true);
  });

  it("judges expiry by the given clock", async () => {
    const token = await jwks.sign(googleClaims());
    const later = () => new Date(Date.now() + 2 * 3600 * 1000);
    expectRefused(await verifier({ now: later }).verify(`Bearer ${token}`), /expired|exp/);
  });

  it("refuses a token without exp", async () => {
    const token = await jwks.sign(googleClaims({ exp: undefined }));
    expectRefused(await verifier().verify(`Bearer ${token}`), /exp/);
  });

  it("refuses a token signed by another key under a kid the server serves", async () => {
    const token = await jwks.sign(googleClaims(), { key: "untrusted", kid: "trusted-1" });
    expectRefused(await verifier().verify(`Bearer ${token}`), /SIGNATURE_VERIFICATION_FAILED/, token);
  });

  it("refuses a token signed by a key the server does not serve", async () => {
    const token = await jwks.sign(googleClaims(), { key: "untrusted" });
    expectRefused(await verifier().verify(`Bearer ${token}`), /NO_MATCHING_KEY/, token);
  });

  it("refuses a token whose claims were changed after signing", async () => {
    const [header, , signature] = (await jwks.sign(googleClaims())).split(".");
    const forged = `${header}.${b64url(googleClaims({ email: "attacker@evil.iam.gserviceaccount.com" }))}.${signature}`;
    expectRefused(await verifier().verify(`Bearer ${forged}`), /SIGNATURE_VERIFICATION_FAILED/);
  });

  it("refuses alg none and HS256 without fetching keys", async () => {
    const before = jwks.requests;
    const none = `${b64url({ alg: "none", typ: "JWT" })}.${b64url(googleClaims({ exp: 4102444800 }))}.`;
    expectRefused(await verifier().verify(`Bearer ${none}`), /single Bearer token/);
    const noneWithSig = `${none}c2ln`;
    expectRefused(await verifier().verify(`Bearer ${noneWithSig}`), /ALG_NOT_ALLOWED/);
    const hs256 = await jwks.sign(googleClaims(), { alg: "HS256" });
    expectRefused(await verifier().verify(`Bearer ${hs256}`), /ALG_NOT_ALLOWED/);
    expect(jwks.requests).toBe(before);
  });

  it("refuses malformed Authorization headers before any key lookup", async () => {
    const token = await jwks.sign(googleClaims());
    const before = jwks.requests;
    const v = verifier();
    expectRefused(await v.verify(undefined), /no Authorization header/);
    expectRefused(await v.verify(""), /no Authorization header/);
    expectRefused(await v.verify(token), /single Bearer token/);
    expectRefused(await v.verify(`Basic ${token}`), /single Bearer token/);
    expectRefused(await v.verify("Bearer"), /single Bearer token/);
    expectRefused(await v.verify(`Bearer  ${token}`), /single Bearer token/);
    expectRefused(await v.verify(`Bearer ${token}, Bearer ${token}`), /single Bearer token/);
    expectRefused(await v.verify(`Bearer ${token} `), /single Bearer token/);
    expectRefused(await v.verify(`Bearer ${"a".repeat(9000)}.b.c`), /too long/);
    expectRefused(await v.verify("Bearer not-a-jwt"), /single Bearer token/);
    expectRefused(await v.verify("Bearer e30.e30.e30"), /ERR_/);
    expect(jwks.requests).toBe(before);
  });

  it("reports an unreachable key set as retryable, not as a bad token", async () => {
    const down = await startJwksServer();
    const url = down.url;
    const token = await down.sign(googleClaims());
    await down.close();
    const result = await verifier({ jwksUrl: url }).verify(`Bearer ${token}`);
    expect(result).toMatchObject({ ok: false, retryable: true });
    if (!result.ok) expect(result.reason).toMatch(/signing keys unavailable/);
  });

  it("reports a failing key set endpoint as retryable, and recovers when it does", async () => {
    const token = await jwks.sign(googleClaims());
    const v = verifier();
    jwks.failWith(500);
    try {
      expect(await v.verify(`Bearer ${token}`)).toMatchObject({ ok: false, retryable: true });
    } finally {
      jwks.failWith(undefined);
    }
    expect((await v.verify(`Bearer ${token}`)).ok).toBe(true);
  });

  it("fetches the key set once for many pushes", async () => {
    const v = verifier();
    const before = jwks.requests;
    for (let i = 0; i < 5; i++) {
      const token = await jwks.sign(googleClaims({ sub: `s${i}` }));
      expect((await v.verify(`Bearer ${token}`)).ok).toBe(true);
    }
    expect(jwks.requests - before).toBe(1);
  });
});
