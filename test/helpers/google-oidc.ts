import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from "jose";

/** What the push subscription in the tests is configured with. */
export const TEST_AUDIENCE = "https://abc123.lambda-url.eu-west-1.on.aws/";
export const TEST_SERVICE_ACCOUNT = "pubsub-push@my-project.iam.gserviceaccount.com";

export interface SignOptions {
  /** "trusted" (default) is the key the server serves; "untrusted" is a second key it never serves. */
  key?: "trusted" | "untrusted";
  /** The `kid` header; default the chosen key's own kid ("trusted-1" or "untrusted-1"). */
  kid?: string;
  /** "HS256" signs with a shared secret instead, to check that only RS256 is accepted. */
  alg?: "RS256" | "HS256";
}

export interface JwksServer {
  /** The JWKS URL, e.g. http://127.0.0.1:PORT/oauth2/v3/certs. */
  url: string;
  /** Signs exactly the claims given (iat/exp default to now and now + 1 h, like Google's tokens). */
  sign(claims: JWTPayload, options?: SignOptions): Promise<string>;
  /** Number of key set requests served so far. */
  readonly requests: number;
  /** Answer key set requests with this status (and no key set) until reset with undefined. */
  failWith(status: number | undefined): void;
  close(): Promise<void>;
}

/** Claims as Google puts them in a Pub/Sub push token, for the test audience and account. */
export function googleClaims(overrides: JWTPayload = {}): JWTPayload {
  return {
    iss: "https://accounts.google.com",
    aud: TEST_AUDIENCE,
    azp: "113774264463038321964",
    email: TEST_SERVICE_ACCOUNT,
    email_verified: true,
    sub: "113774264463038321964",
    ...overrides,
  };
}

/**
 * A stand-in for https://www.googleapis.com/oauth2/v3/certs on 127.0.0.1: serves the public half
 * of a fresh RSA key as a JWKS and signs tokens with it.
 */
export async function startJwksServer(): Promise<JwksServer> {
  const trusted = await generateKeyPair("RS256");
  const untrusted = await generateKeyPair("RS256");
  const publicJwk = { ...(await exportJWK(trusted.publicKey)), kid: "trusted-1", alg: "RS256", use: "sig" };
  const body = JSON.stringify({ keys: [publicJwk] });
  let requests = 0;
  let failure: number | undefined;

  const server = createServer((req, res) => {
    requests++;
    if (req.method !== "GET" || req.url !== "/oauth2/v3/certs") {
      res.writeHead(404).end();
    } else if (failure !== undefined) {
      res.writeHead(failure, { "content-type": "text/plain" }).end("unavailable");
    } else {
      res.writeHead(200, { "content-type": "application/json" }).end(body);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/oauth2/v3/certs`,
    get requests() {
      return requests;
    },
    failWith(status) {
      failure = status;
    },
    async sign(claims, options = {}) {
      const now = Math.floor(Date.now() / 1000);
      const full = { iat: now, exp: now + 3600, ...claims };
      if (options.alg === "HS256") {
        return new SignJWT(full)
          .setProtectedHeader({ alg: "HS256", typ: "JWT", kid: options.kid ?? "trusted-1" })
          .sign(new TextEncoder().encode("a shared secret that nobody should accept"));
      }
      const which = options.key ?? "trusted";
      const kid = options.kid ?? `${which}-1`;
      return new SignJWT(full)
        .setProtectedHeader({ alg: "RS256", typ: "JWT", kid })
        .sign(which === "trusted" ? trusted.privateKey : untrusted.privateKey);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
