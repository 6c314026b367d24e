import { describe, expect, it } from "vitest";
import { parseOsRelease } from "../../../lib/analyzers/os-release/parse-os-release.js";

const parse = (text: string) => Object.fromEntries(parseOsRelease(text));

describe("parseOsRelease", () => {
  it("reads unquoted, double- and single-quoted values", () => {
    expect(parse("ID=debian\nNAME=\"Debian GNU/Linux\"\nPRETTY_NAME='Debian 12'\n")).toEqual({
      ID: "debian",
      NAME: "Debian GNU/Linux",
      PRETTY_NAME: "Debian 12",
    });
  });

  it("applies shell backslash escapes", () => {
    expect(parse('A="say \\"hi\\" \\\\ \\$HOME \\`x\\`"\nB="c:\\d"\nC=a\\ b\nD=\'no\\escape\'\n')).toEqual({
      A: 'say "hi" \\ $HOME `x`',
      B: "c:\\d",
      C: "a b",
      D: "no\\escape",
    });
  });

  it("skips comments, blank lines and surrounding whitespace", () => {
    expect(
      parse('# comment\n\n   \n  ID=alpine  \n\t# VERSION_ID="1"\nVERSION_ID=3.19.1 # trailing\n'),
    ).toEqual({
      ID: "alpine",
      VERSION_ID: "3.19.1",
    });
  });

  it("ignores malformed lines and keeps the rest", () => {
    const text = [
      "no equals sign",
      "=value",
      "1BAD=x",
      "BAD-KEY=x",
      'UNTERMINATED="abc',
      "UNTERMINATED2='abc",
      "ID=fedora",
      'NAME="Fedora" trailing junk',
      "EMPTY=",
      'EMPTY_QUOTED=""',
    ].join("\n");
    expect(parse(text)).toEqual({ ID: "fedora", NAME: "Fedora", EMPTY: "", EMPTY_QUOTED: "" });
  });

  it("keeps the last of repeated keys, as the shell would", () => {
    expect(parse("ID=a\nID=b\n")).toEqual({ ID: "b" });
  });

  it("treats hostile keys as plain data", () => {
    const fields = parseOsRelease("__proto__=x\nconstructor=y\n");
    expect(fields.get("__proto__")).toBe("x");
    expect(fields.get("constructor")).toBe("y");
  });
});
