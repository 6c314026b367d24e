import { describe, expect, it } from "vitest";
import { silentLogger } from "../../lib/logger.js";
import { InMemoryDigestBuffer } from "../../lib/notify/digest-buffer.js";
import { InMemoryDedupStore } from "../../lib/notify/notification-dedup.js";
import { parseNotificationRules } from "../../lib/notify/notification-rules.js";
import { flushDigests, type NotifierDeps, notifyChange } from "../../lib/notify/notifier.js";
import type { SlackMessage } from "../../lib/notify/slack/block-kit.js";
import type { SnsScanMessage } from "../../lib/notify/sns-message.js";
import { changeOf } from "./changes.js";
import { finding } from "./findings.js";

const TOPIC = "arn:aws:sns:eu-west-1:123456789012:portcullis-alerts";

function harness(rules: unknown, options: { snsFails?: number } = {}) {
  const sns: Array<{ topic: string; message: SnsScanMessage }> = [];
  const slack: Array<{ secret: string; message: SlackMessage }> = [];
  let failures = options.snsFails ?? 0;
  let clock = new Date("2026-11-28T10:00:00Z");
  const deps: NotifierDeps = {
    rules: parseNotificationRules(rules),
    dedup: new InMemoryDedupStore(() => clock.getTime()),
    snsTopic: (topic) => ({
      publish: async (message) => {
        if (failures-- > 0) throw new Error("SNS throttled");
        sns.push({ topic, message });
      },
    }),
    slack: {
      post: async (secret, message) => {
        slack.push({ secret, message });
        return { status: "sent", attempts: 1 };
      },
    },
    digests: new InMemoryDigestBuffer(),
    now: () => clock,
    logger: silentLogger,
  };
  return { deps, sns, slack, tick: (ms: number) => (clock = new Date(clock.getTime() + ms)) };
}

const critical = finding("CVE-2026-0001", "CRITICAL");
const low = finding("CVE-2026-0002", "LOW", { name: "zlib" });

describe("notifyChange", () => {
  it("tells each destination about a finding once, however often the image is scanned", async () => {
    const { deps, sns } = harness({ rules: [{ destination: { type: "sns", topic: TOPIC } }] });
    expect(await notifyChange(changeOf([critical, low]), deps)).toEqual([
      { rule: "rule 1", status: "sent", findings: 2 },
    ]);
    expect(await notifyChange(changeOf([critical, low]), deps)).toEqual([
      { rule: "rule 1", status: "nothing-new" },
    ]);
    const more = finding("CVE-2026-0003", "HIGH", { name: "curl" });
    await notifyChange(changeOf([critical, low, more]), deps);
    expect(sns).toHaveLength(2);
    // The third scan's message names only the finding that is new since the first.
    expect(sns[1]?.message.Message).toContain("CVE-2026-0003");
    expect(sns[1]?.message.Message).not.toContain("CVE-2026-0001");
    expect(sns[1]?.message.MessageAttributes?.severity?.StringValue).toBe("HIGH");
  });

  it("filters by the rule and sends nothing when nothing passes", async () => {
    const { deps, sns } = harness({
      rules: [{ minSeverity: "HIGH", destination: { type: "sns", topic: TOPIC } }],
    });
    expect(await notifyChange(changeOf([low]), deps)).toEqual([{ rule: "rule 1", status: "nothing-new" }]);
    expect(sns).toHaveLength(0);
  });

  it("releases the keys when sending fails, so the redelivered event sends them", async () => {
    const { deps, sns } = harness(
      { rules: [{ destination: { type: "sns", topic: TOPIC } }] },
      { snsFails: 1 },
    );
    await expect(notifyChange(changeOf([critical]), deps)).rejects.toThrow(/throttled/);
    expect(await notifyChange(changeOf([critical]), deps)).toEqual([
      { rule: "rule 1", status: "sent", findings: 1 },
    ]);
    expect(sns).toHaveLength(1);
  });

  it("holds Slack digest changes until the window closes, then sends one message", async () => {
    const { deps, slack, tick } = harness({
      rules: [{ destination: { type: "slack", webhookSecret: "portcullis/slack", digest: "1h" } }],
    });
    await notifyChange(changeOf([critical]), deps);
    await notifyChange(
      changeOf([low], [], { image: { ...changeOf([]).image, digest: `sha256:${"b".repeat(64)}` } }),
      deps,
    );
    expect(await flushDigests(deps)).toBe(0);
    expect(slack).toHaveLength(0);
    tick(60 * 60 * 1000);
    expect(await flushDigests(deps)).toBe(1);
    expect(slack).toHaveLength(1);
    expect(JSON.stringify(slack[0]?.message)).toMatch(/digest: 2 images/);
    expect(await flushDigests(deps)).toBe(0);
  });

  it("posts a Block Kit message to Slack at once without a digest", async () => {
    const { deps, slack } = harness({
      rules: [{ destination: { type: "slack", webhookSecret: "portcullis/slack" } }],
    });
    await notifyChange(changeOf([critical]), deps);
    expect(slack[0]?.secret).toBe("portcullis/slack");
    expect(slack[0]?.message.blocks?.[0]?.type).toBe("header");
  });
});
