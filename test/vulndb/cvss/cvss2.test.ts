import { describe, expect, it } from "vitest";
import { parseCvss2, scoreCvss2 } from "../../../lib/vulndb/cvss/cvss2.js";
import { mismatches, readVectorFile } from "./vector-files.js";

const allScores = (vector: string) => {
  const scores = scoreCvss2(vector);
  return scores && [scores.baseScore, scores.temporalScore, scores.environmentalScore];
};

describe("scoreCvss2 against RedHat's reference vectors", () => {
  it.each([
    ["redhat-vectors_simple2.txt", 729],
    // The only upstream rows with temporal and environmental metrics.
    ["redhat-vectors_calculator2.txt", 3],
    ["redhat-vectors_cvsslib2.txt", 24],
  ])("%s: every row's base, temporal and environmental score", (file, count) => {
    const rows = readVectorFile(file);
    expect(rows).toHaveLength(count);
    expect(mismatches(rows, allScores)).toEqual([]);
  });
});

describe("scoreCvss2", () => {
  it("rounds the decimal value, not the binary double (4.6 * 0.25 = 1.15 -> 1.2)", () => {
    expect(scoreCvss2("AV:L/AC:M/Au:S/C:N/I:P/A:C/E:U/RL:OF/RC:UR/CDP:N/TD:L/CR:H/IR:H/AR:H")).toEqual({
      baseScore: 5,
      temporalScore: 3.5,
      environmentalScore: 1.2,
    });
  });

  it("scores a zero impact as 0, not -0", () => {
    expect(Object.is(scoreCvss2("AV:L/AC:H/Au:M/C:N/I:N/A:N")?.baseScore, 0)).toBe(true);
  });

  it.each([
    ["duplicate metric", "AV:N/AV:N/AC:L/Au:N/C:P/I:P/A:P"],
    ["unknown metric", "AV:N/AC:L/Au:N/C:P/I:P/A:P/XX:ND"],
    ["unknown value", "AV:N/AC:L/Au:N/C:H/I:P/A:P"],
    ["missing base metric", "AV:N/AC:L/C:P/I:P/A:P"],
    ["a prefix", "CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P"],
    ["a v3 vector", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"],
    ["empty", ""],
  ])("rejects a vector with %s", (_, vector) => {
    expect(parseCvss2(vector)).toBeUndefined();
    expect(scoreCvss2(vector)).toBeUndefined();
  });
});
