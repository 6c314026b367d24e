import type { Logger } from "../logger.js";
import type { DigestBuffer } from "./digest-buffer.js";
import type { ImageChange } from "./image-change.js";
import { dedupChange, type NotificationDedupStore } from "./notification-dedup.js";
import { destinationKey, type NotificationRule, selectFindings } from "./notification-rules.js";
import type { MessageSink } from "./scan-publisher.js";
import type { SlackMessage } from "./slack/block-kit.js";
import { buildChangeMessage } from "./slack/block-kit.js";
import { buildDigestMessage, digestWindow } from "./slack/digest.js";
import type { PostOutcome } from "./slack/slack-webhook.js";
import { buildSnsChangeMessage } from "./sns-change-message.js";

export interface NotifierDeps {
  rules: readonly NotificationRule[];
  dedup: NotificationDedupStore;
  /** The topic's publisher; throws when SNS did not take the message. */
  snsTopic(topicArn: string): MessageSink;
  /** Posts to the webhook in the secret; dead-letters what it cannot deliver, throws only if that fails. */
  slack?: { post(webhookSecret: string, message: SlackMessage): Promise<PostOutcome> };
  /** Where changes for digest destinations wait for their window; without it digests are sent at once. */
  digests?: DigestBuffer;
  now?: () => Date;
  logger: Logger;
}

export type RuleOutcome =
  | { rule: string; status: "nothing-new" }
  | { rule: string; status: "sent" | "dead-lettered" | "held-for-digest"; findings: number };

/**
 * One image change through every rule: filter, drop what this destination was already told,
 * send. A send that fails releases its de-duplication keys and throws, so the event's redelivery
 * sends it again: nothing is dropped silently, and nothing is sent twice.
 */
export async function notifyChange(change: ImageChange, deps: NotifierDeps): Promise<RuleOutcome[]> {
  const now = deps.now?.() ?? new Date();
  const outcomes: RuleOutcome[] = [];
  for (const [index, rule] of deps.rules.entries()) {
    const name = rule.name ?? `rule ${index + 1}`;
    const selected = selectFindings(change, rule);
    const destination = destinationKey(rule.destination);
    const deduped = selected ? await dedupChange(deps.dedup, destination, selected, { now }) : { keys: [] };
    if (!deduped.change) {
      outcomes.push({ rule: name, status: "nothing-new" });
      continue;
    }
    const fresh = deduped.change;
    const findings = fresh.newFindings.length + fresh.resolvedFindings.length;
    try {
      outcomes.push({ rule: name, findings, status: await send(rule, fresh, now, deps) });
    } catch (err) {
      await deps.dedup.release(deduped.keys);
      throw err;
    }
  }
  return outcomes;
}

async function send(
  rule: NotificationRule,
  change: ImageChange,
  now: Date,
  deps: NotifierDeps,
): Promise<"sent" | "dead-lettered" | "held-for-digest"> {
  const { destination } = rule;
  if (destination.type === "sns") {
    await deps.snsTopic(destination.topic).publish(buildSnsChangeMessage(change));
    return "sent";
  }
  if (!deps.slack) throw new Error("a Slack rule is configured but no Slack poster is");
  if (destination.digest !== undefined && deps.digests) {
    const window = digestWindow(now, destination.digest);
    await deps.digests.add(destinationKey(destination), window.start, change);
    return "held-for-digest";
  }
  const outcome = await deps.slack.post(destination.webhookSecret, buildChangeMessage(change));
  return outcome.status === "sent" ? "sent" : "dead-lettered";
}

/** Sends one digest per destination for every window that has closed by `now`. */
export async function flushDigests(deps: NotifierDeps): Promise<number> {
  if (!deps.digests || !deps.slack) return 0;
  const now = deps.now?.() ?? new Date();
  let sent = 0;
  for (const rule of deps.rules) {
    const { destination } = rule;
    if (destination.type !== "slack" || destination.digest === undefined) continue;
    const open = digestWindow(now, destination.digest).start;
    const key = destinationKey(destination);
    for (const held of await deps.digests.due(key, open)) {
      const window = digestWindow(held.windowStart, destination.digest);
      await deps.slack.post(destination.webhookSecret, buildDigestMessage(held.changes, window));
      await deps.digests.remove(key, held.windowStart);
      sent += 1;
    }
  }
  return sent;
}
