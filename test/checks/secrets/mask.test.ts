import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { characterClasses, shannonEntropy } from "../../../lib/checks/secrets/entropy.js";
import { fingerprintSecret, MAX_MASK_STARS, maskSecret } from "../../../lib/checks/secrets/mask.js";

describe("maskSecret", () => {
  it("keeps at most 4 leading characters, a quarter of short values", () => {
    expect(maskSecret("ghp_S0KAUgipONalW3Y754bmi4ezLnvJdjdMQPgO")).toBe(`ghp_${"*".repeat(32)}`);
    expect(maskSecret("Tr0ub4dor&3")).toBe("Tr*********");
    expect(maskSecret("abcdefgh")).toBe("ab******");
    expect(maskSecret("abc")).toBe("***");
    expect(maskSecret("")).toBe("*");
  });

  it("caps the stars so a key block does not fill the report", () => {
    const masked = maskSecret("M".repeat(1700));
    expect(masked).toBe(`MMMM${"*".repeat(MAX_MASK_STARS)}`);
  });
});

describe("fingerprintSecret", () => {
  it("is sha256 of the UTF-8 clear value", () => {
    const value = "pässwörd-123";
    expect(fingerprintSecret(value)).toBe(
      `sha256:${createHash("sha256").update(Buffer.from(value, "utf8")).digest("hex")}`,
    );
    expect(fingerprintSecret("a")).not.toBe(fingerprintSecret("b"));
  });
});

describe("entropy", () => {
  it("measures bits per character", () => {
    expect(shannonEntropy("")).toBe(0);
    expect(shannonEntropy("aaaa")).toBe(0);
    expect(shannonEntropy("abab")).toBe(1);
    expect(shannonEntropy("0123456789abcdef")).toBe(4);
  });

  it("counts character classes", () => {
    expect(characterClasses("abc")).toBe(1);
    expect(characterClasses("aB3")).toBe(3);
    expect(characterClasses("aB3#")).toBe(4);
  });
});
