import { describe, expect, it } from "vitest";
import {
  decodePackageKey,
  encodePackageKey,
  normalizeEcosystem,
  packageKey,
} from "../../../lib/vulndb/db/package-key.js";

describe("packageKey", () => {
  it("normalises PyPI names by PEP 503 and leaves other ecosystems exact", () => {
    expect(packageKey("PyPI", "Zope.Interface__Extra")).toEqual({
      ecosystem: "PyPI",
      name: "zope-interface-extra",
    });
    expect(packageKey("pypi", "jw.util").name).toBe("jw-util");
    expect(packageKey("npm", "@Scope/Pkg")).toEqual({ ecosystem: "npm", name: "@Scope/Pkg" });
    expect(packageKey("Go", "github.com/Gin-Gonic/gin").name).toBe("github.com/Gin-Gonic/gin");
    expect(packageKey("Maven", "org.Apache:Foo_Bar").name).toBe("org.Apache:Foo_Bar");
  });

  it("spells ecosystems canonically and cuts distro releases to what OSV keys on", () => {
    expect(normalizeEcosystem("CRATES.IO")).toBe("crates.io");
    expect(normalizeEcosystem("debian:12.4")).toBe("Debian:12");
    expect(normalizeEcosystem("Debian:12")).toBe("Debian:12");
    expect(normalizeEcosystem("alpine:3.19.1")).toBe("Alpine:v3.19");
    expect(normalizeEcosystem("Alpine:v3.19")).toBe("Alpine:v3.19");
    expect(normalizeEcosystem("Alpine:edge")).toBe("Alpine:edge");
    expect(normalizeEcosystem("Ubuntu:22.04:LTS")).toBe("Ubuntu:22.04:LTS");
    expect(normalizeEcosystem("SomethingNew")).toBe("SomethingNew");
  });

  it("round-trips the encoded key", () => {
    const key = packageKey("Debian:12", "libc6");
    expect(decodePackageKey(encodePackageKey(key))).toEqual(key);
  });
});
