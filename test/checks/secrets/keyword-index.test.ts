import { describe, expect, it } from "vitest";
import { KeywordIndex } from "../../../lib/checks/secrets/keyword-index.js";

describe("KeywordIndex", () => {
  it("finds every offset of every keyword in any case, overlapping ones included", () => {
    const index = new KeywordIndex(["secret", "secret_access_key", "access_key", "aws", "://"]);
    const hits = index.scan("AWS_SECRET_ACCESS_KEY=x https://h secret");
    expect(Object.fromEntries(hits)).toEqual({
      aws: [0],
      secret_access_key: [4],
      secret: [4, 34],
      access_key: [11],
      "://": [29],
    });
  });

  it("escapes regex syntax in keywords", () => {
    const index = new KeywordIndex(["hooks.slack.com", '"auths"']);
    expect(index.scan("hooksXslackXcom").size).toBe(0);
    expect(Object.fromEntries(index.scan('{"auths": 1} hooks.slack.com'))).toEqual({
      '"auths"': [1],
      "hooks.slack.com": [13],
    });
  });

  it("refuses keywords that are not lowercase ASCII", () => {
    expect(() => new KeywordIndex(["Token"])).toThrow(/lowercase/);
  });
});
