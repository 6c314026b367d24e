import { describe, expect, it } from "vitest";
import { backoffDelay, fetchWithRetry, parseRetryAfter } from "../../lib/http/retry.js";

const NOW = Date.parse("2025-01-01T00:00:00Z");

describe("parseRetryAfter", () => {
  it("reads delta-seconds", () => {
    expect(parseRetryAfter("1")).toBe(1000);
    expect(parseRetryAfter(" 120 ")).toBe(120_000);
    expect(parseRetryAfter("0")).toBe(0);
  });

  it("reads an HTTP-date relative to now, never negative", () => {
    expect(parseRetryAfter("Wed, 01 Jan 2025 00:00:05 GMT", NOW)).toBe(5000);
    expect(parseRetryAfter("Tue, 31 Dec 2024 23:59:00 GMT", NOW)).toBe(0);
  });

  it("ignores junk", () => {
    for (const value of [null, undefined, "", "soon", "-1", "1.5", "Wed, 99 Foo"]) {
      expect(parseRetryAfter(value, NOW)).toBeUndefined();
    }
  });
});

describe("backoffDelay", () => {
  it("doubles per attempt with jitter between half and full, capped", () => {
    const opts = { baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelay(1, { ...opts, random: () => 0 })).toBe(50);
    expect(backoffDelay(1, { ...opts, random: () => 0.999999 })).toBe(100);
    expect(backoffDelay(3, { ...opts, random: () => 0 })).toBe(200);
    expect(backoffDelay(10, { ...opts, random: () => 0.999999 })).toBe(1000);
  });
});

describe("fetchWithRetry", () => {
  const respond = (status: number, headers: Record<string, string> = {}) =>
    new Response(status === 204 ? null : "x", { status, headers });

  it("retries 429/5xx, honours Retry-After (capped) and returns the first good response", async () => {
    const statuses = [429, 500, 502, 504, 200];
    const waits: number[] = [];
    let calls = 0;
    const res = await fetchWithRetry(
      async () => respond(statuses[calls++] as number, calls === 1 ? { "retry-after": "120" } : {}),
      {
        maxAttempts: 5,
        baseDelayMs: 10,
        maxDelayMs: 5000,
        random: () => 0,
        sleep: async (ms) => void waits.push(ms),
      },
    );
    expect(res.status).toBe(200);
    expect(calls).toBe(5);
    expect(waits).toEqual([5000, 10, 20, 40]);
  });

  it("does not retry other statuses", async () => {
    let calls = 0;
    const res = await fetchWithRetry(
      async () => {
        calls++;
        return respond(404);
      },
      { sleep: async () => {} },
    );
    expect(res.status).toBe(404);
    expect(calls).toBe(1);
  });

  it("returns the last retryable response once the attempt budget is spent", async () => {
    let calls = 0;
    const res = await fetchWithRetry(
      async () => {
        calls++;
        return respond(503);
      },
      {
        maxAttempts: 3,
        sleep: async () => {},
      },
    );
    expect(res.status).toBe(503);
    expect(calls).toBe(3);
  });

  it("retries network errors and rethrows the last one", async () => {
    let calls = 0;
    const failing = async (): Promise<Response> => {
      calls++;
      throw new TypeError("fetch failed");
    };
    await expect(fetchWithRetry(failing, { maxAttempts: 3, sleep: async () => {} })).rejects.toThrow(
      "fetch failed",
    );
    expect(calls).toBe(3);
  });

  it("never retries an abort", async () => {
    let calls = 0;
    const aborting = async (): Promise<Response> => {
      calls++;
      throw new DOMException("aborted", "AbortError");
    };
    await expect(fetchWithRetry(aborting, { sleep: async () => {} })).rejects.toThrow("aborted");
    expect(calls).toBe(1);
  });
});
