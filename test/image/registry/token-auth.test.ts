import { describe, expect, it } from "vitest";
import { RegistryAuthError, RegistryError } from "../../../lib/errors.js";
import { TokenAuth } from "../../../lib/image/registry/token-auth.js";

interface Seen {
  method: string;
  url: URL;
  authorization: string | null;
  body: string;
}

function fakeTokenServer(reply: (seen: Seen) => Response) {
  const seen: Seen[] = [];
  const fetchImpl = (async (input: string | URL | Request, init?: RequestInit) => {
    const headers = new Headers(init?.headers);
    const entry: Seen = {
      method: init?.method ?? "GET",
      url: new URL(String(input)),
      authorization: headers.get("authorization"),
      body: typeof init?.body === "string" ? init.body : "",
    };
    seen.push(entry);
    return reply(entry);
  }) as typeof fetch;
  return { seen, fetchImpl };
}

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

const base = {
  registry: "r.example",
  realm: "https://auth.example/token?x=1",
  service: "reg",
  scope: "repository:a/b:pull",
};

describe("TokenAuth", () => {
  it("GETs the realm with service, scope and Basic credentials, then caches per scope", async () => {
    const { seen, fetchImpl } = fakeTokenServer(() => json({ token: "t1", expires_in: 300 }));
    const auth = new TokenAuth({ fetch: fetchImpl });
    const credential = { username: "u", password: "p:w" };
    expect(await auth.getToken({ ...base, credential })).toBe("t1");
    expect(await auth.getToken({ ...base, credential })).toBe("t1");
    expect(seen).toHaveLength(1);
    const first = seen[0] as Seen;
    expect(first.method).toBe("GET");
    expect(first.url.searchParams.get("x")).toBe("1");
    expect(first.url.searchParams.get("service")).toBe("reg");
    expect(first.url.searchParams.get("scope")).toBe("repository:a/b:pull");
    expect(first.url.searchParams.get("account")).toBe("u");
    expect(first.authorization).toBe(`Basic ${Buffer.from("u:p:w").toString("base64")}`);

    await auth.getToken({ ...base, scope: "repository:other:pull", credential });
    expect(seen).toHaveLength(2);
  });

  it("asks anonymously without credentials and accepts access_token", async () => {
    const { seen, fetchImpl } = fakeTokenServer(() => json({ access_token: "anon" }));
    expect(await new TokenAuth({ fetch: fetchImpl }).getToken(base)).toBe("anon");
    expect(seen[0]?.authorization).toBeNull();
  });

  it("shares one round trip between concurrent requests", async () => {
    const { seen, fetchImpl } = fakeTokenServer(() => json({ token: "t" }));
    const auth = new TokenAuth({ fetch: fetchImpl });
    const tokens = await Promise.all([auth.getToken(base), auth.getToken(base), auth.getToken(base)]);
    expect(tokens).toEqual(["t", "t", "t"]);
    expect(seen).toHaveLength(1);
  });

  it("honours expires_in (default 60 s) and refreshes before expiry", async () => {
    let now = 1_000_000;
    let n = 0;
    const { seen, fetchImpl } = fakeTokenServer(() =>
      json({ token: `t${++n}`, expires_in: n === 1 ? 100 : undefined }),
    );
    const auth = new TokenAuth({ fetch: fetchImpl, now: () => now });
    expect(await auth.getToken(base)).toBe("t1");
    now += 75_000; // inside 100 s minus the 20 s safety margin
    expect(await auth.getToken(base)).toBe("t1");
    now += 6_000;
    expect(await auth.getToken(base)).toBe("t2"); // no expires_in → 60 s
    now += 47_000;
    expect(await auth.getToken(base)).toBe("t2");
    now += 2_000;
    expect(await auth.getToken(base)).toBe("t3");
    expect(seen).toHaveLength(3);
  });

  it("invalidates only the token that was rejected", async () => {
    let n = 0;
    const { fetchImpl } = fakeTokenServer(() => json({ token: `t${++n}` }));
    const auth = new TokenAuth({ fetch: fetchImpl });
    expect(await auth.getToken(base)).toBe("t1");
    auth.invalidate(base, "stale-token");
    expect(await auth.getToken(base)).toBe("t1");
    auth.invalidate(base, "t1");
    expect(await auth.getToken(base)).toBe("t2");
  });

  it("uses the OAuth2 refresh_token grant for identity tokens", async () => {
    const { seen, fetchImpl } = fakeTokenServer(() =>
      json({ access_token: "from-refresh", expires_in: 600 }),
    );
    const token = await new TokenAuth({ fetch: fetchImpl }).getToken({
      ...base,
      credential: { identityToken: "idt" },
    });
    expect(token).toBe("from-refresh");
    const request = seen[0] as Seen;
    expect(request.method).toBe("POST");
    expect(request.authorization).toBeNull();
    const form = new URLSearchParams(request.body);
    expect(form.get("grant_type")).toBe("refresh_token");
    expect(form.get("refresh_token")).toBe("idt");
    expect(form.get("service")).toBe("reg");
    expect(form.get("scope")).toBe("repository:a/b:pull");
    expect(form.get("client_id")).toBe("portcullis");
  });

  it("maps token server failures to one-line errors that name the subject", async () => {
    const denied = fakeTokenServer(() => json({ details: "no" }, 401));
    const err = await new TokenAuth({ fetch: denied.fetchImpl })
      .getToken({ ...base, credential: { username: "u", password: "bad" }, subject: "r.example/a/b:1" })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryAuthError);
    expect(String((err as Error).message)).toMatch(
      /^r\.example\/a\/b:1: token server .* rejected the credentials/,
    );

    const empty = fakeTokenServer(() => json({}));
    await expect(new TokenAuth({ fetch: empty.fetchImpl }).getToken(base)).rejects.toThrow(RegistryAuthError);

    const broken = fakeTokenServer(() => new Response("<html>", { status: 200 }));
    await expect(new TokenAuth({ fetch: broken.fetchImpl }).getToken(base)).rejects.toThrow(
      /invalid response/,
    );

    const down = fakeTokenServer(() => json({}, 500));
    await expect(
      new TokenAuth({ fetch: down.fetchImpl, retry: { maxAttempts: 2, sleep: async () => {} } }).getToken(
        base,
      ),
    ).rejects.toThrow(RegistryError);
    expect(down.seen).toHaveLength(2);

    await expect(new TokenAuth().getToken({ ...base, realm: "ftp://x/token" })).rejects.toThrow(
      /not an http/,
    );
  });

  it("does not cache failures", async () => {
    let n = 0;
    const { fetchImpl } = fakeTokenServer(() => (++n === 1 ? json({}, 401) : json({ token: "ok" })));
    const auth = new TokenAuth({ fetch: fetchImpl });
    await expect(auth.getToken(base)).rejects.toThrow(RegistryAuthError);
    expect(await auth.getToken(base)).toBe("ok");
  });
});
