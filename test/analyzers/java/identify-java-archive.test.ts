import { describe, expect, it } from "vitest";
import { identifyJavaArchive } from "../../../lib/analyzers/java/identify-java-archive.js";
import type { JarManifest } from "../../../lib/analyzers/java/parse-manifest.js";

function manifest(fields: Record<string, string>): JarManifest {
  return { main: new Map(Object.entries(fields).map(([k, v]) => [k.toLowerCase(), v])) };
}

const ids = (found: Array<{ name: string; version: string }>) => found.map((p) => `${p.name}@${p.version}`);

describe("identifyJavaArchive", () => {
  it("reports every complete pom.properties and guesses nothing else", () => {
    const found = identifyJavaArchive({
      fileName: "renamed.jar",
      poms: [
        { groupId: "org.a", artifactId: "a", version: "1" },
        { groupId: "org.b", artifactId: "b", version: "2" },
        { groupId: "org.c", artifactId: "c" },
      ],
      manifest: manifest({ "Implementation-Title": "Something", "Implementation-Version": "9" }),
    });
    expect(found).toEqual([
      { ecosystem: "maven", name: "org.a:a", version: "1" },
      { ecosystem: "maven", name: "org.b:b", version: "2" },
    ]);
  });

  it("falls back to the file name, then the manifest, field by field", () => {
    const m = manifest({
      "Implementation-Title": "Apache Commons Lang",
      "Implementation-Version": "3.12.0",
      "Bundle-SymbolicName": "org.apache.commons.lang3;singleton:=true",
    });
    expect(ids(identifyJavaArchive({ fileName: "commons-lang3-3.11.jar", poms: [], manifest: m }))).toEqual([
      "org.apache.commons:commons-lang3@3.11",
    ]);
    expect(ids(identifyJavaArchive({ fileName: "commons-lang3.jar", poms: [], manifest: m }))).toEqual([
      "org.apache.commons:commons-lang3@3.12.0",
    ]);
    expect(ids(identifyJavaArchive({ fileName: "Commons Lang.jar", poms: [], manifest: m }))).toEqual([
      "org.apache.commons:Apache Commons Lang@3.12.0",
    ]);
  });

  it("takes the groupId from Implementation-Vendor-Id, the symbolic name, then an id-like vendor", () => {
    const id = (fields: Record<string, string>) =>
      ids(identifyJavaArchive({ fileName: "x-1.jar", poms: [], manifest: manifest(fields) }));
    expect(
      id({ "Implementation-Vendor-Id": "org.apache", "Bundle-SymbolicName": "org.apache.logging.x" }),
    ).toEqual(["org.apache:x@1"]);
    expect(id({ "Bundle-SymbolicName": "com.fasterxml.jackson.core.jackson-databind" })).toEqual([
      "com.fasterxml.jackson.core:x@1",
    ]);
    expect(
      id({ "Implementation-Vendor": "The Apache Software Foundation", "Specification-Vendor": "org.acme" }),
    ).toEqual(["org.acme:x@1"]);
    expect(id({ "Implementation-Vendor": "The Apache Software Foundation" })).toEqual(["x@1"]);
  });

  it("takes versions in Syft's order and skips localisation placeholders", () => {
    const version = (fields: Record<string, string>) =>
      identifyJavaArchive({ fileName: "x.jar", poms: [], manifest: manifest(fields) })[0]?.version;
    expect(
      version({ "Specification-Version": "2", "Bundle-Version": "3", "Implementation-Version": "1" }),
    ).toBe("1");
    expect(version({ "Bundle-Version": "3", "Plugin-Version": "4", "Specification-Version": "2" })).toBe("2");
    expect(version({ "Bundle-Version": "3", "Plugin-Version": "4" })).toBe("4");
    expect(version({ "Implementation-Version": "%version", "Bundle-Version": "3" })).toBe("3");
  });

  it("reports nothing without a version or a name", () => {
    expect(identifyJavaArchive({ fileName: "app.jar", poms: [] })).toEqual([]);
    expect(
      identifyJavaArchive({ fileName: "app.jar", poms: [], manifest: manifest({ "Main-Class": "a.B" }) }),
    ).toEqual([]);
    expect(
      identifyJavaArchive({ fileName: "-.jar", poms: [], manifest: manifest({ "Bundle-Version": "1.0" }) }),
    ).toEqual([]);
  });
});
