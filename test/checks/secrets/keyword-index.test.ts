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

/** Every offset of every keyword, the slow obvious way. */
function naive(keywords: string[], text: string): Map<string, number[]> {
  const lower = text.toLowerCase();
  const out = new Map<string, number[]>();
  for (const k of keywords) {
    const offsets: number[] = [];
    for (let i = lower.indexOf(k); i !== -1; i = lower.indexOf(k, i + 1)) offsets.push(i);
    if (offsets.length > 0) out.set(k, offsets);
  }
  return out;
}

describe("KeywordIndex against a naive search", () => {
  const keywords = [
    "secret",
    "secret_access_key",
    "access_key",
    "aws",
    "://",
    "token",
    "_authtoken",
    "ghp_",
    "eyj",
  ];
  const index = new KeywordIndex(keywords);

  function expectSame(text: string): void {
    const hits = index.scan(text);
    const expected = naive(keywords, text);
    for (const k of keywords) expect(hits.offsetsOf([k]), k).toEqual(expected.get(k) ?? []);
    expect(hits.size).toBe(expected.size);
  }

  it("agrees on random text built from keyword fragments, in mixed case", () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const pieces = [
      "sec",
      "ret",
      "_access",
      "_key",
      "AWS",
      "aWs",
      ":/",
      "/",
      "tok",
      "en",
      "_auth",
      "Token",
      "gh",
      "p_",
      "eyJ",
      " ",
      "\n",
      "x",
    ];
    for (let round = 0; round < 200; round++) {
      const text = Array.from({ length: 60 }, () => pieces[Math.floor(random() * pieces.length)]).join("");
      expectSame(text);
    }
  });

  it("keeps offsets in UTF-16 units after non-Latin text", () => {
    expectSame("日本語のテキスト 🔑 token=abc ünïcödé secret");
  });

  it("finds keywords across the boundaries of the windows a long text is scanned in", () => {
    const filler = "x".repeat(4 * 1024 * 1024 - 3);
    expectSame(`${filler}secret_access_key ${filler}token${filler.slice(0, 10)}AWS`);
  });
});
