import { describe, expect, it } from "vitest";
import { KeywordIndex } from "../../../lib/checks/secrets/keyword-index.js";

describe("KeywordIndex", () => {
  it("finds every offset of every keyword in any case, overlapping ones included", () => {
    const index = new KeywordIndex(["secret", "secret_access_key", "access_key", "aws", "://"]);
    const hits = index.scan("AWS_SECRET_ACCESS_KEY=x https://h secret");
    const byKeyword = (k: string) => hits.offsetsOf([k]);
    expect(["aws", "secret_access_key", "secret", "access_key", "://"].map(byKeyword)).toEqual([
      [0],
      [4],
      [4, 34],
      [11],
      [29],
    ]);
    expect(hits.size).toBe(5);
    // Offsets of several keywords merge ascending, each offset once.
    expect(hits.offsetsOf(["secret", "secret_access_key", "aws"])).toEqual([0, 4, 34]);
  });

  it("escapes regex syntax in keywords", () => {
    const index = new KeywordIndex(["hooks.slack.com", '"auths"']);
    expect(index.scan("hooksXslackXcom").size).toBe(0);
    const hits = index.scan('{"auths": 1} hooks.slack.com');
    expect([hits.offsetsOf(['"auths"']), hits.offsetsOf(["hooks.slack.com"])]).toEqual([[1], [13]]);
    expect(hits.has("hooks.slack.com")).toBe(true);
  });

  it("recognises every spelling of a keyword, however often it recurs", () => {
    const index = new KeywordIndex(["token"]);
    const text = ["token", "TOKEN", "Token", "tOkEn"].join(" ").repeat(3);
    expect(index.scan(text).offsetsOf(["token"])).toHaveLength(12);
  });

  it("refuses keywords that are not lowercase ASCII", () => {
    expect(() => new KeywordIndex(["Token"])).toThrow(/lowercase/);
  });
});
