import type { Logger } from "../logger.js";

export interface WebhookOptions {
  timeoutMs?: number;
  /** Pause before the one retry. */
  retryDelayMs?: number;
  fetch?: typeof fetch;
}

/**
 * POSTs one JSON notification: a timeout per attempt and one retry. A webhook that is down must
 * not hold up scanning, so failures are logged and the result says whether it was delivered.
 */
export async function postWebhook(
  url: string,
  body: unknown,
  logger: Logger,
  options: WebhookOptions = {},
): Promise<boolean> {
  const send = options.fetch ?? fetch;
  let lastError = "";
  for (let attempt = 1; attempt <= 2; attempt++) {
    try {
      const res = await send(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
      });
      await res.body?.cancel();
      if (res.ok) return true;
      lastError = `HTTP ${res.status}`;
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    }
    if (attempt === 1) await new Promise((r) => setTimeout(r, options.retryDelayMs ?? 1000));
  }
  logger.warn("webhook delivery failed", { url, error: lastError });
  return false;
}
