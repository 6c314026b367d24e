import { describe, expect, it } from "vitest";
import { scoreVector, severityFromScore } from "../../../lib/vulndb/cvss/index.js";

describe("scoreVector", () => {
  it("detects the version and returns the most specific score", () => {
    expect(scoreVector("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")).toEqual({
      version: "3.1",
      baseScore: 9.8,
      severity: "Critical",
      baseSeverity: "Critical",
      score: 9.8,
    });
    expect(scoreVector("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:O/RC:C")).toMatchObject({
      baseScore: 9.8,
      score: 8.8,
      severity: "High",
    });
    expect(
      scoreVector(
        "CVSS:3.0/AV:L/AC:H/PR:H/UI:N/S:C/C:N/I:H/A:N/E:P/RL:U/RC:U/CR:H/IR:L/AR:H/MAV:L/MUI:R/MS:C/MC:N/MI:L/MA:N",
      ),
    ).toMatchObject({ version: "3.0", baseScore: 5.3, score: 1.3, severity: "Low", baseSeverity: "Medium" });
    expect(scoreVector("AV:N/AC:M/Au:N/C:P/I:P/A:P")).toMatchObject({
      version: "2.0",
      baseScore: 6.8,
      score: 6.8,
      severity: "Medium",
    });
    expect(scoreVector("AV:A/AC:M/Au:N/C:C/I:N/A:P/E:POC/RL:W/RC:UC")).toMatchObject({ score: 4.9 });
    expect(scoreVector("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U")).toMatchObject({
      version: "4.0",
      baseScore: 9.3,
      score: 8.1,
      severity: "High",
    });
  });

  it("ignores surrounding whitespace", () => {
    expect(scoreVector("  AV:N/AC:L/Au:N/C:C/I:C/A:C\n")?.score).toBe(10);
  });

  it.each([
    "",
    "CVSS:",
    "CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P",
    "CVSS:3.2/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H",
    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/A:H",
    "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N",
    "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:Q",
    "AV:N/AC:L/Au:N/C:P/I:P",
    "AV:N/AC:L/Au:N/C:P/I:P/A:P/Foo:Bar",
    "not a vector",
    "//::",
  ])("returns undefined for %j", (vector) => {
    expect(scoreVector(vector)).toBeUndefined();
  });

  it("never throws, even on values that are not strings", () => {
    expect(scoreVector(undefined as unknown as string)).toBeUndefined();
    expect(scoreVector(42 as unknown as string)).toBeUndefined();
  });
});

describe("severityFromScore", () => {
  it.each([
    [0, "3.1", "None"],
    [0.1, "3.1", "Low"],
    [3.9, "3.0", "Low"],
    [4, "3.1", "Medium"],
    [6.9, "4.0", "Medium"],
    [7, "4.0", "High"],
    [8.9, "3.1", "High"],
    [9, "3.1", "Critical"],
    [10, "4.0", "Critical"],
    [0, "2.0", "Low"],
    [3.9, "2.0", "Low"],
    [4, "2.0", "Medium"],
    [7, "2.0", "High"],
    [10, "2.0", "High"],
  ] as const)("%d in v%s is %s", (score, version, expected) => {
    expect(severityFromScore(score, version)).toBe(expected);
  });
});
