import { describe, expect, it } from "vitest";
import {
  advisoryUrl,
  buildChangeMessage,
  escapeMrkdwn,
  escapeWithin,
  findingLine,
  link,
  SLACK_LIMITS,
  type SlackBlock,
  validateBlockKit,
} from "../../lib/notify/slack/block-kit.js";
import { changeOf, image } from "./changes.js";
import { finding, manyFindings } from "./findings.js";

function texts(blocks: SlackBlock[]): string[] {
  return blocks.flatMap((b) => {
    if (b.type === "header") return [b.text.text];
    if (b.type === "section")
      return [...(b.text ? [b.text.text] : []), ...(b.fields ?? []).map((f) => f.text)];
    if (b.type === "context") return b.elements.map((e) => e.text);
    return [];
  });
}

describe("Slack Block Kit message", () => {
  const change = changeOf(
    [
      finding("CVE-2024-0001", "CRITICAL", { kev: true, epss: { probability: 0.973, percentile: 0.99 } }),
      finding("CVE-2024-0002", "HIGH", { name: "zlib", fixedVersions: [], status: "affected" }),
      finding("GHSA-abcd-efgh-ijkl", "MEDIUM", { name: "lodash", references: ["https://example.com/a"] }),
    ],
    [finding("CVE-2023-1111", "HIGH", { name: "musl" })],
    { reportUri: "s3://reports/r.json" },
  );
  const message = buildChangeMessage(change);

  it("has a header, the image, counts by severity, top findings and a context line", () => {
    expect(validateBlockKit(message)).toEqual([]);
    const [header, imageBlock, counts, divider] = message.blocks;
    expect(header).toMatchObject({ type: "header", text: { type: "plain_text" } });
    expect(header?.type === "header" && header.text.text).toBe(
      ":red_circle: 3 new vulnerabilities in team/payments-api:1.4.2",
    );
    expect(texts([imageBlock as SlackBlock]).join("\n")).toContain("`team/payments-api:1.4.2`");
    expect(texts([counts as SlackBlock])).toEqual([
      ":red_circle: *Critical*\n1 new",
      ":large_orange_circle: *High*\n1 new · 1 resolved",
      ":large_yellow_circle: *Medium*\n1 new",
    ]);
    expect(divider).toEqual({ type: "divider" });
    const all = texts(message.blocks).join("\n");
    expect(all).toContain(
      "<https://nvd.nist.gov/vuln/detail/CVE-2024-0001|CVE-2024-0001> · `openssl` 3.1.4-r0 → 3.1.4-r5 · *KEV* · EPSS 97.3%",
    );
    expect(all).toContain("`zlib` 3.1.4-r0 _no fix yet_");
    expect(all).toContain("*Resolved*");
    expect(all).toContain("~<https://nvd.nist.gov/vuln/detail/CVE-2023-1111|CVE-2023-1111>~ `musl`");
    expect(message.blocks.at(-1)).toMatchObject({ type: "context" });
    expect(all).toContain("report `s3://reports/r.json`");
    expect(message.text).toContain("(1 critical, 1 high, 1 medium)");
  });

  it("orders findings most severe first", () => {
    const lines = texts(message.blocks).filter((t) => t.includes("→") || t.includes("no fix yet"));
    expect(lines.map((l) => l.match(/\*(CRITICAL|HIGH|MEDIUM)\*/)?.[1])).toEqual([
      "CRITICAL",
      "HIGH",
      "MEDIUM",
    ]);
  });

  it("stays within every limit with 500 findings and 10 KB package names", () => {
    const huge = "n".repeat(10_000);
    const findings = manyFindings(500).map((f, i) => ({
      ...f,
      id: i % 2 === 0 ? f.id : `${huge}-${i}`,
      package: { ...f.package, name: `${huge}${i}`, version: huge },
      fixedVersions: [huge],
    }));
    const big = buildChangeMessage(
      changeOf(findings, findings, {
        image: { ...image, repository: huge, tags: Array.from({ length: 100 }, () => huge), account: huge },
        reportUri: huge,
      }),
    );
    expect(validateBlockKit(big)).toEqual([]);
    expect(big.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
    const header = big.blocks[0];
    expect(header?.type === "header" && header.text.text.length).toBeLessThanOrEqual(150);
    const all = texts(big.blocks).join("\n");
    expect(all).toContain(`+${500 - 15} more new findings`);
    expect(all).toMatch(/\+\d+ more resolved/);
  });

  it("keeps 50 blocks even when asked for more findings than fit", () => {
    const big = buildChangeMessage(changeOf(manyFindings(500), manyFindings(500)), { maxFindings: 200 });
    expect(big.blocks).toHaveLength(50);
    expect(validateBlockKit(big)).toEqual([]);
  });

  it("says resolved in the header when nothing is new", () => {
    const resolved = buildChangeMessage(changeOf([], [finding("CVE-2023-1111", "HIGH")]));
    expect(resolved.blocks[0]).toMatchObject({
      text: { text: expect.stringContaining("1 vulnerability resolved") },
    });
    expect(validateBlockKit(resolved)).toEqual([]);
  });

  it("validateBlockKit reports each broken limit", () => {
    const bad = {
      text: "",
      blocks: [
        { type: "header", text: { type: "plain_text", text: "h".repeat(151) } },
        { type: "section", text: { type: "mrkdwn", text: "s".repeat(3001) } },
        {
          type: "section",
          fields: Array.from({ length: 11 }, () => ({ type: "mrkdwn", text: "f".repeat(2001) })),
        },
        ...Array.from({ length: 50 }, () => ({ type: "divider" })),
      ],
    } as Parameters<typeof validateBlockKit>[0];
    const problems = validateBlockKit(bad);
    expect(problems).toContain("more than 50 blocks");
    expect(problems).toContain("text must be 1..40000 characters");
    expect(problems.some((p) => p.startsWith("blocks[0]: header"))).toBe(true);
    expect(problems.some((p) => p.startsWith("blocks[1]: section text"))).toBe(true);
    expect(problems).toContain("blocks[2]: more than 10 fields");
    expect(problems.some((p) => p.startsWith("blocks[2].fields[10]"))).toBe(true);
  });
});

describe("mrkdwn escaping", () => {
  it("escapes &, < and > so untrusted names cannot ping or link", () => {
    expect(escapeMrkdwn("<!channel> & <https://evil|x>")).toBe(
      "&lt;!channel&gt; &amp; &lt;https://evil|x&gt;",
    );
    const line = findingLine(
      changeOf([
        finding("CVE-2024-0001", "HIGH", { name: "<!here>&pkg", version: "1<2", fixedVersions: ["2>1"] }),
      ]).newFindings[0] as Parameters<typeof findingLine>[0],
    );
    expect(line).toContain("`&lt;!here&gt;&amp;pkg` 1&lt;2 → 2&gt;1");
    expect(line).not.toMatch(/<!here>/);
  });

  it("escapes the image fields and the fallback text", () => {
    const message = buildChangeMessage(
      changeOf([finding("CVE-2024-0001", "HIGH")], [], { image: { ...image, account: "<!everyone>" } }),
    );
    expect(JSON.stringify(message)).not.toContain("<!everyone>");
    expect(JSON.stringify(message)).toContain("&lt;!everyone&gt;");
  });

  it("cuts after escaping without splitting an entity or a surrogate pair", () => {
    expect(escapeWithin("a&b", 10)).toBe("a&amp;b");
    expect(escapeWithin("&&&&", 12)).toBe("&amp;&amp;…");
    expect(escapeWithin("😀😀😀", 4)).toBe("😀…");
    expect(escapeWithin("abc", 3)).toBe("abc");
    expect(escapeWithin("x".repeat(10_000_000), 10)).toHaveLength(10);
  });

  it("links only plain http(s) URLs and neutralises the label", () => {
    expect(link("https://a.example/x?a=1&b=2", "CVE-1")).toBe("<https://a.example/x?a=1&amp;b=2|CVE-1>");
    expect(link("javascript:alert(1)", "x")).toBe("x");
    expect(link("https://a.example/|<!channel>", "x")).toBe("x");
    expect(link("https://a.example/", "a|b>")).toBe("<https://a.example/|a¦b&gt;>");
  });

  it("picks NVD, GitHub, a reference, or OSV for the advisory link", () => {
    expect(advisoryUrl({ id: "CVE-2024-1", references: [] })).toBe(
      "https://nvd.nist.gov/vuln/detail/CVE-2024-1",
    );
    expect(advisoryUrl({ id: "GHSA-2222-3333-4444", references: [] })).toBe(
      "https://github.com/advisories/GHSA-2222-3333-4444",
    );
    expect(advisoryUrl({ id: "DSA-5000-1", references: ["ftp://x", "https://security.debian.org/x"] })).toBe(
      "https://security.debian.org/x",
    );
    expect(advisoryUrl({ id: "GO-2024-0001", references: [] })).toBe(
      "https://osv.dev/vulnerability/GO-2024-0001",
    );
    expect(advisoryUrl({ id: "weird id <x>", references: [] })).toBeUndefined();
  });
});
