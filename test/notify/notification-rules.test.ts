import { describe, expect, it } from "vitest";
import {
  destinationKey,
  NotificationRulesError,
  parseNotificationRules,
  selectFindings,
} from "../../lib/notify/notification-rules.js";
import { changeOf, image } from "./changes.js";
import { finding } from "./findings.js";

const sns = { type: "sns", topic: "arn:aws:sns:eu-west-1:123456789012:security-alerts" };
const slack = { type: "slack", webhookSecret: "portcullis/slack/platform" };

function rule(fields: Record<string, unknown>) {
  const [parsed] = parseNotificationRules({ rules: [{ destination: sns, ...fields }] });
  if (!parsed) throw new Error("no rule");
  return parsed;
}

describe("notification rules", () => {
  const findings = [
    finding("CVE-2024-0001", "CRITICAL", { kev: true, epss: { probability: 0.9, percentile: 0.99 } }),
    finding("CVE-2024-0002", "HIGH", { name: "zlib", fixedVersions: [], status: "affected" }),
    finding("CVE-2024-0003", "MEDIUM", { epss: { probability: 0.2, percentile: 0.8 } }),
    finding("CVE-2024-0004", "UNKNOWN", { name: "busybox" }),
  ];
  const change = changeOf(findings, [finding("CVE-2023-9999", "LOW", { name: "musl" })]);
  const ids = (r: ReturnType<typeof rule>) => selectFindings(change, r)?.newFindings.map((f) => f.id);

  it("parses defaults, case-insensitive severities and digest intervals", () => {
    const [a, b] = parseNotificationRules({
      rules: [{ destination: sns }, { minSeverity: "high", destination: { ...slack, digest: "15m" } }],
    });
    expect(a).toMatchObject({ repositories: ["**"], accounts: ["**"], onlyFixable: false, onlyKev: false });
    expect(b?.minSeverity).toBe("HIGH");
    expect(b?.destination).toEqual({ ...slack, digest: 15 * 60_000 });
    expect(parseNotificationRules(undefined)).toEqual([]);
  });

  it("rejects unknown keys, bad topics and silly intervals with the path", () => {
    expect(() => parseNotificationRules({ rules: [{ destination: sns, onlyKEV: true }] })).toThrow(
      NotificationRulesError,
    );
    expect(() =>
      parseNotificationRules({ rules: [{ destination: { type: "sns", topic: "alerts" } }] }),
    ).toThrow(/rules\[0\]\.destination\.topic/);
    expect(() => parseNotificationRules({ rules: [{ destination: { ...slack, digest: "10s" } }] })).toThrow(
      /digest/,
    );
    expect(() => parseNotificationRules({ rules: [{ destination: { ...slack, digest: "3d" } }] })).toThrow(
      /between 1m and 1d/,
    );
    expect(() => parseNotificationRules({ rules: [{ destination: sns, minEpss: 1.5 }] })).toThrow(/minEpss/);
  });

  it("matches repositories with * inside a segment and ** across", () => {
    expect(ids(rule({ repositories: ["team/*"] }))).toHaveLength(4);
    expect(ids(rule({ repositories: ["*"] }))).toBeUndefined();
    expect(ids(rule({ repositories: ["**/payments-*"] }))).toHaveLength(4);
    expect(ids(rule({ repositories: ["other/**"] }))).toBeUndefined();
    const deep = { ...change, image: { ...image, repository: "team/sub/payments-api" } };
    expect(selectFindings(deep, rule({ repositories: ["team/*"] }))).toBeUndefined();
    expect(selectFindings(deep, rule({ repositories: ["team/**"] }))).toBeDefined();
  });

  it("matches accounts", () => {
    expect(ids(rule({ accounts: ["123456789012"] }))).toHaveLength(4);
    expect(ids(rule({ accounts: ["1234*"] }))).toHaveLength(4);
    expect(ids(rule({ accounts: ["999999999999"] }))).toBeUndefined();
  });

  it("applies severity, fixable, KEV and EPSS filters together", () => {
    expect(ids(rule({ minSeverity: "HIGH" }))).toEqual(["CVE-2024-0001", "CVE-2024-0002"]);
    // UNKNOWN means unrated: only a rule taking everything lets it through.
    expect(ids(rule({ minSeverity: "LOW" }))).not.toContain("CVE-2024-0004");
    expect(ids(rule({ minSeverity: "UNKNOWN" }))).toContain("CVE-2024-0004");
    expect(ids(rule({ onlyFixable: true }))).toEqual(["CVE-2024-0001", "CVE-2024-0003", "CVE-2024-0004"]);
    expect(ids(rule({ onlyKev: true }))).toEqual(["CVE-2024-0001"]);
    expect(ids(rule({ minEpss: 0.1 }))).toEqual(["CVE-2024-0001", "CVE-2024-0003"]);
    expect(ids(rule({ minEpss: 0.1, minSeverity: "HIGH" }))).toEqual(["CVE-2024-0001"]);
  });

  it("recounts what passed and filters resolved findings the same way", () => {
    const selected = selectFindings(change, rule({ minSeverity: "HIGH" }));
    expect(selected?.counts.new).toMatchObject({ CRITICAL: 1, HIGH: 1, MEDIUM: 0, UNKNOWN: 0 });
    expect(selected?.resolvedFindings).toEqual([]);
    expect(selectFindings(change, rule({}))?.resolvedFindings.map((f) => f.id)).toEqual(["CVE-2023-9999"]);
  });

  it("sends nothing when nothing is left", () => {
    const quiet = changeOf([finding("CVE-2024-0005", "LOW")]);
    expect(selectFindings(quiet, rule({ minSeverity: "CRITICAL" }))).toBeUndefined();
    expect(selectFindings(changeOf([]), rule({}))).toBeUndefined();
  });

  it("keys de-duplication by destination", () => {
    const [a, b] = parseNotificationRules({ rules: [{ destination: sns }, { destination: slack }] });
    expect(destinationKey(a?.destination as never)).toBe(`sns:${sns.topic}`);
    expect(destinationKey(b?.destination as never)).toBe(`slack:${slack.webhookSecret}`);
  });
});
