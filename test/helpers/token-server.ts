import { createPrivateKey, randomUUID, sign, X509Certificate } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A minimal token server for the distribution registry's `auth.token` mode: checks Basic
 * credentials (or an OAuth2 refresh token) and returns an RS256 JWT the registry verifies against
 * the certificate in its `rootcertbundle`.
 */
export interface TokenServerOptions {
  /** PEM private key and the self-signed certificate that the registry trusts. */
  keyPem: string;
  certPem: string;
  issuer: string;
  service: string;
  /** username → password. */
  users: Record<string, string>;
  /** identity (refresh) token → username, for the OAuth2 refresh_token grant. */
  identityTokens?: Record<string, string>;
  /** Lifetime of issued tokens; default 300 s. */
  expiresInS?: number;
}

export interface TokenRequestRecord {
  method: string;
  grant: "basic" | "anonymous" | "refresh_token";
  /** Authenticated user, undefined when anonymous or rejected. */
  user?: string;
  scopes: string[];
  status: number;
}

export interface TokenServer {
  /** The realm URL, e.g. "http://127.0.0.1:PORT/token". */
  realm: string;
  /** Every request, in order, so tests can count round trips. */
  requests: TokenRequestRecord[];
  close(): Promise<void>;
}

interface Access {
  type: string;
  name: string;
  actions: string[];
}

export async function startTokenServer(options: TokenServerOptions): Promise<TokenServer> {
  const key = createPrivateKey(options.keyPem);
  // x5c carries base64 (not base64url) DER certificates (RFC 7515 section 4.1.6).
  const x5c = [new X509Certificate(options.certPem).raw.toString("base64")];
  const requests: TokenRequestRecord[] = [];

  const issue = (user: string | undefined, scopes: string[]): string => {
    const now = Math.floor(Date.now() / 1000);
    const access: Access[] = user ? scopes.map(parseScope).filter((a): a is Access => a !== undefined) : [];
    const header = { typ: "JWT", alg: "RS256", x5c };
    const claims = {
      iss: options.issuer,
      sub: user ?? "",
      aud: options.service,
      exp: now + (options.expiresInS ?? 300),
      // Registry 2.8 allows 60 s of clock skew; back-dating nbf avoids flakiness at second boundaries.
      nbf: now - 10,
      iat: now - 10,
      jti: randomUUID(),
      access,
    };
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    return `${input}.${b64url(sign("sha256", Buffer.from(input), key))}`;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const reply = (status: number, body: unknown, record: Omit<TokenRequestRecord, "status" | "method">) => {
      requests.push({ method: req.method ?? "GET", status, ...record });
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (url.pathname !== "/token") {
      res.writeHead(404).end();
      return;
    }

    if (req.method === "POST") {
      const form = new URLSearchParams(await readBody(req));
      const scopes = form
        .getAll("scope")
        .flatMap((s) => s.split(" "))
        .filter(Boolean);
      const user = options.identityTokens?.[form.get("refresh_token") ?? ""];
      if (form.get("grant_type") !== "refresh_token" || !user) {
        reply(401, { error: "invalid_grant" }, { grant: "refresh_token", scopes });
        return;
      }
      // OAuth2 responses use access_token only.
      reply(
        200,
        { access_token: issue(user, scopes), expires_in: options.expiresInS ?? 300 },
        {
          grant: "refresh_token",
          user,
          scopes,
        },
      );
      return;
    }

    const scopes = url.searchParams.getAll("scope");
    const authorization = req.headers.authorization;
    if (!authorization) {
      reply(
        200,
        { token: issue(undefined, scopes), expires_in: options.expiresInS ?? 300 },
        {
          grant: "anonymous",
          scopes,
        },
      );
      return;
    }
    const decoded = authorization.startsWith("Basic ")
      ? Buffer.from(authorization.slice(6), "base64").toString("utf8")
      : "";
    const colon = decoded.indexOf(":");
    const user = decoded.slice(0, colon);
    if (colon < 0 || options.users[user] === undefined || options.users[user] !== decoded.slice(colon + 1)) {
      reply(401, { details: "invalid credentials" }, { grant: "basic", scopes });
      return;
    }
    reply(
      200,
      { token: issue(user, scopes), expires_in: options.expiresInS ?? 300 },
      {
        grant: "basic",
        user,
        scopes,
      },
    );
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** "repository:team/app:pull,push" → {type, name, actions}; names cannot contain ":" here. */
function parseScope(scope: string): Access | undefined {
  const first = scope.indexOf(":");
  const last = scope.lastIndexOf(":");
  if (first < 0 || last <= first) return undefined;
  return {
    type: scope.slice(0, first),
    name: scope.slice(first + 1, last),
    actions: scope
      .slice(last + 1)
      .split(",")
      .filter(Boolean),
  };
}

function b64url(data: string | Buffer): string {
  return Buffer.from(data).toString("base64url");
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
