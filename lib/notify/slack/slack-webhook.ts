import { setTimeout as delay } from "node:timers/promises";
import { backoffDelay, discardBody, parseRetryAfter } from "../../http/retry.js";
import { type Logger, silentLogger } from "../../logger.js";
import { type SlackMessage, validateBlockKit } from "./block-kit.js";

/** A message Slack never accepted, with why; the caller stores it (SQS, S3) for a replay. */
export interface DeadLetter {
  /** The Secrets Manager id, never the URL. */
  webhookSecret: string;
  message: SlackMessage;
  reason: string;
  attempts: number;
  failedAt: string;
}

export type PostOutcome =
  | { status: "sent"; attempts: number }
  | { status: "dead-lettered"; attempts: number; reason: string };

export interface SlackWebhookPosterOptions {
  /** Reads the webhook URL from its secret (Secrets Manager in AWS); cache there if needed. */
  resolveWebhookUrl: (secretId: string) => Promise<string>;
  /** Keeps a message that could not be delivered. If it throws, `post` throws: nothing is dropped. */
  deadLetter: (letter: DeadLetter) => Promise<void>;
  fetch?: typeof fetch;
  /** Clock and sleep, injectable so tests can run the pacing on virtual time. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Slack allows about one message per second per webhook; default 1000 ms between requests. */
  minIntervalMs?: number;
  /** Requests per message, the first included; default 5. */
  maxAttempts?: number;
  /** First backoff after a 5xx or network error, doubling; default 1000 ms. */
  baseDelayMs?: number;
  /** The longest wait we accept, Retry-After included; a longer one dead-letters. Default 60 s. */
  maxDelayMs?: number;
  /** Per request; default 10 s. */
  timeoutMs?: number;
  logger?: Logger;
}

interface Lane {
  /** Earliest time the next request to this webhook may start. */
  nextAt: number;
  /** The message in flight: messages to one webhook go one after another, in order. */
  tail: Promise<unknown>;
}

const DEFAULTS = {
  minIntervalMs: 1000,
  maxAttempts: 5,
  baseDelayMs: 1000,
  maxDelayMs: 60_000,
  timeoutMs: 10_000,
};

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? ` (${err.cause.message})` : "";
  return `${err.name}: ${err.message}${cause}`;
}

/**
 * Posts Block Kit messages to Slack incoming webhooks: paced per webhook, 429s waited out as
 * Retry-After asks, 5xx and network errors retried with backoff, and anything still undelivered
 * handed to the dead-letter callback. The URL is a credential: it never reaches a log, an error
 * or a dead letter.
 */
export class SlackWebhookPoster {
  private readonly lanes = new Map<string, Lane>();
  private readonly settings: typeof DEFAULTS;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly logger: Logger;

  constructor(private readonly options: SlackWebhookPosterOptions) {
    this.settings = {
      minIntervalMs: options.minIntervalMs ?? DEFAULTS.minIntervalMs,
      maxAttempts: Math.max(1, options.maxAttempts ?? DEFAULTS.maxAttempts),
      baseDelayMs: options.baseDelayMs ?? DEFAULTS.baseDelayMs,
      maxDelayMs: options.maxDelayMs ?? DEFAULTS.maxDelayMs,
      timeoutMs: options.timeoutMs ?? DEFAULTS.timeoutMs,
    };
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => delay(ms));
    this.logger = options.logger ?? silentLogger;
  }

  async post(webhookSecret: string, message: SlackMessage): Promise<PostOutcome> {
    // Slack would answer 400 invalid_blocks forever: no point spending retries on it.
    const problems = validateBlockKit(message);
    if (problems.length > 0) return this.bury(webhookSecret, message, `invalid message: ${problems[0]}`, 0);
    let url: string;
    try {
      url = await this.options.resolveWebhookUrl(webhookSecret);
      const parsed = new URL(url);
      if (parsed.protocol !== "https:" && parsed.protocol !== "http:") throw new Error("not an http(s) URL");
    } catch (err) {
      // The error may quote the secret's value: keep only its type.
      const kind = err instanceof Error ? err.name : "error";
      return this.bury(webhookSecret, message, `webhook URL unavailable (${kind})`, 0);
    }
    const lane = this.lane(url);
    const run = lane.tail.then(() => this.deliver(url, webhookSecret, message, lane));
    lane.tail = run.catch(() => undefined);
    return run;
  }

  private lane(url: string): Lane {
    let lane = this.lanes.get(url);
    if (!lane) {
      lane = { nextAt: 0, tail: Promise.resolve() };
      this.lanes.set(url, lane);
    }
    return lane;
  }

  /** Waits for this webhook's turn and books the next one a full interval later. */
  private async turn(lane: Lane): Promise<void> {
    const wait = lane.nextAt - this.now();
    if (wait > 0) await this.sleep(wait);
    lane.nextAt = Math.max(lane.nextAt, this.now()) + this.settings.minIntervalMs;
  }

  private async deliver(
    url: string,
    secret: string,
    message: SlackMessage,
    lane: Lane,
  ): Promise<PostOutcome> {
    const body = JSON.stringify(message);
    const doFetch = this.options.fetch ?? fetch;
    const { maxAttempts, maxDelayMs, timeoutMs } = this.settings;
    for (let attempt = 1; ; attempt++) {
      await this.turn(lane);
      let failure: string;
      let waitMs: number;
      let status: number | undefined;
      try {
        const response = await doFetch(url, {
          method: "POST",
          headers: { "content-type": "application/json; charset=utf-8" },
          body,
          redirect: "error",
          signal: AbortSignal.timeout(timeoutMs),
        });
        status = response.status;
        if (response.ok) {
          await discardBody(response);
          return { status: "sent", attempts: attempt };
        }
        failure = `HTTP ${status}${await slackError(response)}`;
        if (status === 429) {
          waitMs = parseRetryAfter(response.headers.get("retry-after"), this.now()) ?? this.backoff(attempt);
        } else if (status >= 500 || status === 408) {
          waitMs = this.backoff(attempt);
        } else {
          // 400 invalid_payload, 403 action_prohibited, 404 no_service, 410 channel_is_archived: final.
          return this.bury(secret, message, scrub(failure, url), attempt);
        }
      } catch (err) {
        failure = describe(err);
        waitMs = this.backoff(attempt);
      }
      failure = scrub(failure, url);
      if (attempt >= maxAttempts)
        return this.bury(secret, message, `${failure} after ${attempt} attempts`, attempt);
      if (waitMs > maxDelayMs) {
        return this.bury(secret, message, `${failure}; asked to wait ${Math.ceil(waitMs / 1000)} s`, attempt);
      }
      // Every message to this webhook waits, not just this one: a 429 is about the webhook.
      lane.nextAt = Math.max(lane.nextAt, this.now() + waitMs);
      this.logger.warn("slack webhook post failed; retrying", {
        webhookSecret: secret,
        attempt,
        ...(status !== undefined ? { status } : {}),
        delayMs: waitMs,
        reason: failure,
      });
    }
  }

  private backoff(attempt: number): number {
    return backoffDelay(attempt, {
      baseDelayMs: this.settings.baseDelayMs,
      maxDelayMs: this.settings.maxDelayMs,
      ...(this.options.random ? { random: this.options.random } : {}),
    });
  }

  private async bury(
    webhookSecret: string,
    message: SlackMessage,
    reason: string,
    attempts: number,
  ): Promise<PostOutcome> {
    this.logger.error("slack notification dead-lettered", { webhookSecret, reason, attempts });
    await this.options.deadLetter({
      webhookSecret,
      message,
      reason,
      attempts,
      failedAt: new Date(this.now()).toISOString(),
    });
    return { status: "dead-lettered", attempts, reason };
  }
}

/** Slack's short error code ("invalid_blocks", "no_service"), one line and capped. */
async function slackError(response: Response): Promise<string> {
  try {
    const text = (await response.text()).slice(0, 200).replace(/\s+/g, " ").trim();
    return text === "" ? "" : ` ${text}`;
  } catch {
    return "";
  }
}

/** Removes the URL and its token-bearing path from text bound for logs and dead letters. */
export function scrub(text: string, url: string): string {
  let out = text.split(url).join("[webhook]");
  try {
    const { pathname, search } = new URL(url);
    if (pathname.length > 1) out = out.split(pathname).join("[webhook]");
    if (search.length > 1) out = out.split(search).join("[webhook]");
  } catch {
    // not a URL: the whole-string replacement above is all we can do
  }
  return out;
}
