import { setTimeout as delay } from "node:timers/promises";

export interface RetryOptions {
  /** Total attempts including the first; default 4. */
  maxAttempts?: number;
  /** First backoff delay; doubles per attempt; default 250 ms. */
  baseDelayMs?: number;
  /** Cap on any single wait, including one asked for by Retry-After; default 20 s. */
  maxDelayMs?: number;
  /** Injectable for tests. */
  sleep?: (ms: number) => Promise<void>;
  /** Injectable for tests; returns [0, 1). */
  random?: () => number;
  /** Called before each wait, e.g. to log. */
  onRetry?: (info: RetryInfo) => void;
}

export interface RetryInfo {
  /** The attempt that failed, 1-based. */
  attempt: number;
  delayMs: number;
  status?: number;
  error?: unknown;
}

export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 500, 502, 503, 504]);

export const DEFAULT_MAX_ATTEMPTS = 4;
const DEFAULTS = { maxAttempts: DEFAULT_MAX_ATTEMPTS, baseDelayMs: 250, maxDelayMs: 20_000 };

export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUSES.has(status);
}

/** Retry-After as delta-seconds or an HTTP-date → milliseconds to wait (≥ 0), or undefined. */
export function parseRetryAfter(
  value: string | null | undefined,
  now: number = Date.now(),
): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (text === "") return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // Only full dates: Date.parse would otherwise accept odd strings like "1.5".
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Exponential backoff with "equal jitter": half fixed, half random, so waits never collapse to 0. */
export function backoffDelay(attempt: number, options: RetryOptions = {}): number {
  const base = options.baseDelayMs ?? DEFAULTS.baseDelayMs;
  const cap = options.maxDelayMs ?? DEFAULTS.maxDelayMs;
  const random = options.random ?? Math.random;
  const exp = Math.min(cap, base * 2 ** (attempt - 1));
  return Math.round(exp / 2 + (exp / 2) * random());
}

/**
 * Runs `attempt` until it yields a non-retryable response, retrying 429/5xx responses and thrown
 * network errors with backoff. After the last attempt it returns the last response (the caller maps
 * the status to an error) or rethrows the last network error. Abort errors are never retried.
 */
export async function fetchWithRetry(
  attempt: () => Promise<Response>,
  options: RetryOptions = {},
): Promise<Response> {
  const maxAttempts = Math.max(1, options.maxAttempts ?? DEFAULTS.maxAttempts);
  const cap = options.maxDelayMs ?? DEFAULTS.maxDelayMs;
  const sleep = options.sleep ?? ((ms: number) => delay(ms));
  for (let n = 1; ; n++) {
    let response: Response;
    try {
      response = await attempt();
    } catch (error) {
      if (n >= maxAttempts || isAbort(error)) throw error;
      const delayMs = backoffDelay(n, options);
      options.onRetry?.({ attempt: n, delayMs, error });
      await sleep(delayMs);
      continue;
    }
    if (!isRetryableStatus(response.status) || n >= maxAttempts) return response;
    const retryAfter = parseRetryAfter(response.headers.get("retry-after"));
    const delayMs = Math.min(cap, retryAfter ?? backoffDelay(n, options));
    await discardBody(response);
    options.onRetry?.({ attempt: n, delayMs, status: response.status });
    await sleep(delayMs);
  }
}

/** Frees the connection of a response whose body we will not read. */
export async function discardBody(response: Response): Promise<void> {
  try {
    await response.body?.cancel();
  } catch {
    // already consumed or errored: nothing to free
  }
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === "AbortError" || error.name === "TimeoutError");
}
