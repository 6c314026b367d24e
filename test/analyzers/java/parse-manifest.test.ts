import { describe, expect, it } from "vitest";
import { parseManifest } from "../../../lib/analyzers/java/parse-manifest.js";
import { readJarEntry } from "./jar-entries.js";

describe("parseManifest", () => {
  it("joins continuation lines of a real manifest (commons-lang3)", () => {
    const { main } = parseManifest(readJarEntry("commons-lang3-3.12.0.jar", "META-INF/MANIFEST.MF"));
    expect(main.get("implementation-version")).toBe("3.12.0");
    expect(main.get("bundle-symbolicname")).toBe("org.apache.commons.lang3");
    expect(main.get("bundle-description")).toBe(
      "Apache Commons Lang, a package of Java utility classes for the  classes that are in java.lang's hierarchy, or are considered to be sostandard as to justify existence in java.lang.",
    );
    expect(main.get("include-resource")).toBe(
      "META-INF/NOTICE.txt=NOTICE.txt,META-INF/LICENSE.txt=LICENSE.txt",
    );
  });

  it("reads the 19 KiB manifest of log4j-core", () => {
    const { main } = parseManifest(readJarEntry("log4j-core-2.19.0.jar", "META-INF/MANIFEST.MF"));
    expect(main.get("bundle-symbolicname")).toBe("org.apache.logging.log4j.core");
    expect(main.get("implementation-version")).toBe("2.19.0");
    expect(main.get("export-package")?.length).toBeGreaterThan(5000);
  });

  it("joins a UTF-8 character split across a continuation, as bytes", () => {
    const title = Buffer.from("Implementation-Title: Caf\u00e9 Cr\u00e8me\r\n", "utf8");
    // Split inside the two-byte "é" the way a 72-byte wrap can.
    const at = title.indexOf(0xc3) + 1;
    const wrapped = Buffer.concat([title.subarray(0, at), Buffer.from("\r\n "), title.subarray(at)]);
    expect(parseManifest(wrapped).main.get("implementation-title")).toBe("Caf\u00e9 Cr\u00e8me");
  });

  it("reads only the main section, names case-insensitively, LF or CR line ends", () => {
    const text =
      "\nManifest-Version: 1.0\nIMPLEMENTATION-VERSION: 1.2\rBundle-Name:  spaced  \n\nName: org/x/\nImplementation-Version: 9\n";
    const { main } = parseManifest(Buffer.from(text));
    expect([...main]).toEqual([
      ["manifest-version", "1.0"],
      ["implementation-version", "1.2"],
      ["bundle-name", "spaced"],
    ]);
  });

  it("ignores lines that are not attributes", () => {
    const { main } = parseManifest(Buffer.from(" orphan\n: no name\ngarbage\n continued\nA: b\n"));
    expect([...main]).toEqual([["a", "b"]]);
  });
});
