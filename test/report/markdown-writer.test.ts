import { describe, expect, it } from "vitest";
import type { VulnerabilityFinding } from "../../lib/matching/finding.js";
import { codeSpan, escapeHtml, escapeMarkdown } from "../../lib/report/markdown-text.js";
import { GITHUB_COMMENT_LIMIT, writeMarkdown } from "../../lib/report/markdown-writer.js";
import { DIGEST, ECR_IMAGE, leaksSecret, POLICY, sampleReport, VULNERABILITIES } from "./report-factory.js";

describe("writeMarkdown", () => {
  it("heads the comment with image, digest, verdict and counts by severity", () => {
    const md = writeMarkdown(sampleReport());
    expect(md).toContain(`## Portcullis scan of \`${ECR_IMAGE}\``);
    expect(md).toContain(`Digest: \`${DIGEST}\``);
    expect(md).toContain("❌ **Policy failed** (fails on HIGH)");
    expect(md).toContain("- 1 CRITICAL vulnerability");
    expect(md).toContain("| 🟥 CRITICAL | 1 | 1 | 0 |");
    expect(md).toContain("| 🟧 HIGH | 1 | 1 | 1 |");
    const pass = sampleReport();
    expect(writeMarkdown({ ...pass, policy: { ...POLICY, result: "pass", failures: [] } })).toContain(
      "✅ **Policy passed**",
    );
  });

  it("lists the most severe findings first, with linked ids, package, installed and fixed versions", () => {
    const md = writeMarkdown(sampleReport());
    const rows = md.split("\n").filter((l) => /^\| \[/.test(l));
    expect(rows[0]).toContain("[CVE\\-2023\\-45853](https://nvd.nist.gov/vuln/detail/CVE-2023-45853)");
    expect(rows[1]).toBe(
      "| [GHSA\\-35jh\\-r3h4\\-6jhm](https://github.com/advisories/GHSA-35jh-r3h4-6jhm) 🔥 KEV | `lodash` | `4.17.20` | `4.17.21` | 🟧 HIGH |",
    );
    expect(md).toContain("### Secrets (2)");
    expect(md).toContain(
      "| aws\\-access\\-key\\-id | 🟥 CRITICAL | `app/.env` | 3 | `AKIA****************` | present |",
    );
    expect(md).toContain("removed in layer 2 (still in layer 1)");
    expect(md).toContain("### Image configuration (2)");
    expect(md).toContain("<summary>5 suppressed findings</summary>");
    expect(md).toContain("expired ignore entries");
    expect(md).toContain("<summary>CIS Docker Benchmark v1.6.0: 1/4 controls pass</summary>");
  });

  it("escapes untrusted text: no table break, HTML, link or mention from package data", () => {
    const md = writeMarkdown(sampleReport());
    // Code spans show their content literally; outside them no tag from the image may survive.
    const outsideCode = md.replace(/``.*?``|`[^`]*`/g, "");
    expect(outsideCode).not.toContain("<b>");
    expect(outsideCode).not.toContain("<img");
    expect(outsideCode).not.toContain("](https://evil.example)");
    expect(md).toContain("`@evil/pkg\\|<b>x</b>`");
    expect(md).toContain("`` 1.0.0` ``");
    for (const line of md.split("\n").filter((l) => l.includes("CVE\\-2099\\-0001"))) {
      expect(line.replace(/\\\|/g, "").split("|").length).toBe(7);
    }
    expect(escapeMarkdown("[x](https://evil) <img> @team | #1")).toBe(
      "\\[x\\]\\(https\\://evil\\) &lt;img&gt; \\@team \\| \\#1",
    );
    expect(codeSpan("a`b")).toBe("`` a`b ``");
    expect(escapeHtml("<b>@x</b> & co")).toBe("&lt;b&gt;&#64;x&lt;/b&gt; &amp; co");
    expect(codeSpan("x|y")).toBe("`x\\|y`");
  });

  it("puts the findings beyond the top ones in a collapsed section", () => {
    const md = writeMarkdown(sampleReport(), { topFindings: 2 });
    expect(md).toContain("### Vulnerabilities (top 2 of 4)");
    expect(md).toMatch(/<details>\n<summary>2 more vulnerabilities<\/summary>/);
    expect(md.match(/<details>/g)?.length).toBe(md.match(/<\/details>/g)?.length);
  });

  it("stays under GitHub's comment limit by leaving rows out, with a note", () => {
    const many: VulnerabilityFinding[] = Array.from({ length: 3000 }, (_, i) => ({
      ...(VULNERABILITIES[0] as VulnerabilityFinding),
      id: `CVE-2024-${10000 + i}`,
    }));
    const md = writeMarkdown(sampleReport({ vulnerabilities: many }));
    expect(md.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(md).toMatch(/The report was cut to fit a GitHub comment: \d+ rows are not shown/);
    expect(md.match(/<details>/g)?.length).toBe(md.match(/<\/details>/g)?.length);
    const small = writeMarkdown(sampleReport({ vulnerabilities: many }), { maxLength: 5000 });
    expect(small.length).toBeLessThanOrEqual(5000);
    expect(writeMarkdown(sampleReport())).not.toContain("was cut");
  });

  it("never contains the clear secret", () => {
    expect(leaksSecret(writeMarkdown(sampleReport()))).toBe(false);
  });
});
