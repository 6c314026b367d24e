import { describe, expect, it } from "vitest";
import { macroVectorOf, parseCvss4, scoreCvss4 } from "../../../lib/vulndb/cvss/cvss4.js";
import { MACRO_VECTOR_SCORES } from "../../../lib/vulndb/cvss/cvss4-macrovector-scores.js";
import { severityFromScore } from "../../../lib/vulndb/cvss/severity.js";
import { mismatches, readMacroScores, readVectorFile } from "./vector-files.js";

const score = (vector: string) => {
  const scores = scoreCvss4(vector);
  return scores && [scores.score];
};

describe("scoreCvss4 against RedHat's reference vectors", () => {
  it.each([
    ["redhat-vectors_simple4.txt", 1058],
    ["redhat-vectors_security4.txt", 54],
    ["redhat-vectors_supplemental4.txt", 576],
    ["redhat-vectors_threat4.txt", 6],
  ])("%s: every row's score", (file, count) => {
    const rows = readVectorFile(file);
    expect(rows).toHaveLength(count);
    expect(mismatches(rows, score)).toEqual([]);
  });

  it("supplemental metrics never change the score", () => {
    for (const row of readVectorFile("redhat-vectors_supplemental4.txt")) {
      const base = row.vector.replace(/\/(S|AU|R|V|RE|U):[A-Za-z]+/g, "");
      expect(scoreCvss4(row.vector)?.score, row.vector).toBe(scoreCvss4(base)?.score);
    }
  });
});

describe("CVSS v4.0 MacroVector table", () => {
  const rows = readMacroScores();

  it("holds exactly FIRST's 270 MacroVector scores", () => {
    expect(rows).toHaveLength(270);
    const fromFile = Object.fromEntries(rows.map((row) => [macroVectorOf(row.vector), row.score]));
    expect(MACRO_VECTOR_SCORES).toEqual(fromFile);
  });

  it("scores every FIRST representative vector with its MacroVector score and severity", () => {
    const failed = rows.filter((row) => {
      const scores = scoreCvss4(row.vector);
      return scores?.score !== row.score || severityFromScore(row.score, "4.0") !== row.severity;
    });
    expect(failed).toEqual([]);
  });
});

describe("scoreCvss4", () => {
  it("separates the base score from the threat and environmental score", () => {
    expect(scoreCvss4("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U")).toEqual({
      baseScore: 9.3,
      score: 8.1,
      macroVector: "000220",
      hasThreat: true,
      hasEnvironmental: false,
    });
    // Base, by hand: MacroVector 100200 = 8.7; EQ1 distance AV:L vs AV:A is 0.1 of depth 0.4, times
    // (8.7 - 7.0 for 200200); EQ2/EQ3EQ6/EQ5 distances are 0; EQ4 has no lower MacroVector, so the
    // mean is over 4: 8.7 - 1.7 * 0.25 / 4 = 8.59 -> 8.6. Modified metrics override the base ones
    // and MSI:S (Safety) lifts it to MacroVector 000000.
    expect(
      scoreCvss4("CVSS:4.0/AV:L/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/MAV:N/MSI:S"),
    ).toMatchObject({ baseScore: 8.6, score: 10, macroVector: "000000", hasEnvironmental: true });
  });

  it("treats X as not defined and accepts any metric order", () => {
    const plain = scoreCvss4("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N");
    expect(
      scoreCvss4("CVSS:4.0/SA:N/SI:N/SC:N/VA:H/VI:H/VC:H/UI:N/PR:N/AT:N/AC:L/AV:N/E:X/CR:X/MAV:X/U:X"),
    ).toEqual(plain);
  });

  it.each([
    ["duplicate metric", "CVSS:4.0/AV:N/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"],
    ["unknown metric", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/XX:X"],
    ["unknown value", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:S/SA:N"],
    ["Safety on MSC", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/MSC:S"],
    ["missing base metric", "CVSS:4.0/AV:N/AC:L/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"],
    ["wrong prefix", "CVSS:4.1/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"],
    ["v3 vector", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"],
  ])("rejects a vector with %s", (_, vector) => {
    expect(parseCvss4(vector)).toBeUndefined();
    expect(scoreCvss4(vector)).toBeUndefined();
  });
});
