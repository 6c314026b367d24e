import { describe, expect, it } from "vitest";
import { parseCvss3, scoreCvss3 } from "../../../lib/vulndb/cvss/cvss3.js";
import { mismatches, readVectorFile } from "./vector-files.js";

const allScores = (vector: string) => {
  const scores = scoreCvss3(vector);
  return scores && [scores.baseScore, scores.temporalScore, scores.environmentalScore];
};

describe("scoreCvss3 against RedHat's reference vectors", () => {
  it.each([
    ["redhat-vectors_simple3.txt", 2592],
    ["redhat-vectors_simple31.txt", 2592],
    // The only upstream rows with temporal and environmental metrics (v3.0 only).
    ["redhat-vectors_calculator3.txt", 2],
    ["redhat-vectors_cvsslib3.txt", 29],
  ])("%s: every row's base, temporal and environmental score", (file, count) => {
    const rows = readVectorFile(file);
    expect(rows).toHaveLength(count);
    expect(mismatches(rows, allScores)).toEqual([]);
  });
});

describe("scoreCvss3", () => {
  it("computes temporal scores with Roundup", () => {
    // 9.8 * 0.94 * 0.95 * 1 = 8.7514 -> 8.8
    expect(scoreCvss3("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:O/RC:C")).toMatchObject({
      baseScore: 9.8,
      temporalScore: 8.8,
      environmentalScore: 8.8,
      hasTemporal: true,
      hasEnvironmental: false,
    });
  });

  it("uses each version's scope-changed modified impact formula", () => {
    // MISS = 0.915 (capped), ME = 3.10963; 1.08 * (MI + ME) is 9.889 with v3.0's (MISS-0.02)^15
    // and 9.977 with v3.1's (MISS*0.9731-0.02)^13 (checked by hand from the two specifications).
    const body = "AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H/CR:H/IR:H/AR:H/MS:C";
    expect(scoreCvss3(`CVSS:3.0/${body}`)?.environmentalScore).toBe(9.9);
    expect(scoreCvss3(`CVSS:3.1/${body}`)?.environmentalScore).toBe(10);
  });

  it("accepts metrics in any order and explicit X values", () => {
    expect(scoreCvss3("CVSS:3.1/A:H/I:H/C:H/S:U/UI:N/PR:N/AC:L/AV:N/E:X/RL:X/RC:X/MAV:X/CR:X")).toMatchObject(
      { version: "3.1", baseScore: 9.8, hasTemporal: false, hasEnvironmental: false },
    );
  });

  it.each([
    ["duplicate metric", "CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"],
    ["unknown metric", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/XX:Y"],
    ["unknown value", "CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"],
    ["v4 value in a v3 vector", "CVSS:3.1/AV:N/AC:L/PR:N/UI:P/S:U/C:H/I:H/A:H"],
    ["missing base metric", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/C:H/I:H/A:H"],
    ["wrong prefix", "CVSS:3.2/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"],
    ["no prefix", "AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"],
    ["trailing slash", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/"],
    ["lower case", "cvss:3.1/av:n/ac:l/pr:n/ui:n/s:u/c:h/i:h/a:h"],
    ["empty", ""],
  ])("rejects a vector with %s", (_, vector) => {
    expect(parseCvss3(vector)).toBeUndefined();
    expect(scoreCvss3(vector)).toBeUndefined();
  });
});
