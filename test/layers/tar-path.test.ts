import { describe, expect, it } from "vitest";
import { classifyWhiteout, normalizeTarPath, resolveLinkTarget } from "../../lib/layers/tar-path.js";

describe("normalizeTarPath", () => {
  it.each([
    ["./etc/os-release", "etc/os-release"],
    ["/etc//os-release", "etc/os-release"],
    ["etc/./x/../os-release", "etc/os-release"],
    ["etc/", "etc"],
    ["./", ""],
  ])("%s → %s", (input, expected) => {
    expect(normalizeTarPath(input)).toBe(expected);
  });

  it.each(["../etc/passwd", "etc/../../x", "/..", "a/b/../../../c"])("rejects %s", (input) => {
    expect(normalizeTarPath(input)).toBeUndefined();
  });
});

describe("resolveLinkTarget", () => {
  it("resolves relative and absolute targets inside the root", () => {
    expect(resolveLinkTarget("etc/os-release", "../usr/lib/os-release")).toBe("usr/lib/os-release");
    expect(resolveLinkTarget("etc/os-release", "/usr/lib/os-release")).toBe("usr/lib/os-release");
    expect(resolveLinkTarget("os-release", "../../x")).toBeUndefined();
  });
});

describe("classifyWhiteout", () => {
  it("recognises whiteouts and opaque markers", () => {
    expect(classifyWhiteout("etc/.wh.passwd")).toEqual({ kind: "whiteout", path: "etc/passwd" });
    expect(classifyWhiteout(".wh.etc")).toEqual({ kind: "whiteout", path: "etc" });
    expect(classifyWhiteout("var/lib/.wh..wh..opq")).toEqual({ kind: "opaque", dir: "var/lib" });
    expect(classifyWhiteout(".wh..wh..opq")).toEqual({ kind: "opaque", dir: "" });
    expect(classifyWhiteout("etc/passwd")).toBeUndefined();
    expect(classifyWhiteout("etc/.wh.")).toBeUndefined();
    expect(classifyWhiteout("etc/not.wh.file")).toBeUndefined();
  });
});
