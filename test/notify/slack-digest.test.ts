import { describe, expect, it } from "vitest";
import { SLACK_LIMITS, validateBlockKit } from "../../lib/notify/slack/block-kit.js";
import { buildDigestMessage, digestWindow, mergeChanges } from "../../lib/notify/slack/digest.js";
import { changeOf, image } from "./changes.js";
import { finding, manyFindings } from "./findings.js";

const window = digestWindow(new Date("2026-11-28T10:17:00Z"), 15 * 60_000);

function sectionTexts(message: ReturnType<typeof buildDigestMessage>): string[] {
  return message.blocks.flatMap((b) => (b.type === "section" && b.text ? [b.text.text] : []));
}

describe("Slack digest", () => {
  it("aligns windows to the interval", () => {
    expect(window.start.toISOString()).toBe("2026-11-28T10:15:00.000Z");
    expect(window.end.toISOString()).toBe("2026-11-28T10:30:00.000Z");
  });

  it("summarises many images in one message, worst first", () => {
    const quiet = changeOf([finding("CVE-2024-0009", "LOW")], [], {
      image: { ...image, repository: "team/quiet" },
    });
    const bad = changeOf(
      [finding("CVE-2024-0001", "CRITICAL", { kev: true }), finding("CVE-2024-0002", "HIGH")],
      [finding("CVE-2023-0001", "MEDIUM")],
      { image: { ...image, repository: "team/bad" } },
    );
    const fixedOnly = changeOf([], [finding("CVE-2023-0002", "HIGH")], {
      image: { ...image, repository: "team/fixed" },
    });
    const message = buildDigestMessage([quiet, fixedOnly, bad], window);
    expect(validateBlockKit(message)).toEqual([]);
    expect(message.blocks[0]).toMatchObject({
      type: "header",
      text: { text: "Portcullis digest: 3 images, 3 new, 2 resolved" },
    });
    const sections = sectionTexts(message);
    expect(sections.map((s) => s.match(/`(team\/\w+):/)?.[1])).toEqual([
      "team/bad",
      "team/quiet",
      "team/fixed",
    ]);
    expect(sections[0]).toContain("new: 1 critical, 1 high · 1 resolved");
    expect(sections[0]).toContain("CVE-2024-0001|CVE-2024-0001> `openssl`");
    expect(message.blocks.at(-1)).toMatchObject({
      type: "context",
      elements: [{ text: "Portcullis · 2026-11-28T10:15:00.000Z – 2026-11-28T10:30:00.000Z" }],
    });
    expect(message.text).toContain("(1 critical, 1 high, 1 low)");
  });

  it("merges two scans of one image in the window without double counting", () => {
    const first = changeOf([finding("CVE-2024-0001", "HIGH")]);
    const second = changeOf([finding("CVE-2024-0001", "HIGH"), finding("CVE-2024-0002", "HIGH")], [], {
      reason: "rescan",
      scannedAt: "2026-11-28T10:20:00.000Z",
      image: { ...image, tags: ["latest"] },
    });
    const [merged, ...rest] = mergeChanges([second, first]);
    expect(rest).toEqual([]);
    expect(merged?.newFindings.map((f) => f.id)).toEqual(["CVE-2024-0001", "CVE-2024-0002"]);
    expect(merged?.counts.new.HIGH).toBe(2);
    expect(merged?.reason).toBe("rescan");
    expect(merged?.image.tags).toEqual(["1.4.2", "latest"]);
  });

  it("fits 300 images of 500 findings each, counting the ones it leaves out", () => {
    const many = Array.from({ length: 300 }, (_, i) =>
      changeOf(
        manyFindings(500).map((f) => ({ ...f, package: { ...f.package, name: "<!channel>".repeat(1000) } })),
        [],
        {
          image: { ...image, repository: `team/service-${i}`, digest: `sha256:${i}` },
        },
      ),
    );
    const message = buildDigestMessage(many, window);
    expect(validateBlockKit(message)).toEqual([]);
    expect(message.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
    expect(sectionTexts(message)).toContain("+280 more images");
    expect(JSON.stringify(message)).not.toContain("<!channel>");
    expect(message.blocks[0]).toMatchObject({
      text: { text: "Portcullis digest: 300 images, 150000 new, 0 resolved" },
    });
  });
});
