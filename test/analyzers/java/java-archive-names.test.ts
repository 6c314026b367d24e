import { describe, expect, it } from "vitest";
import { isJavaArchivePath, parseArchiveFileName } from "../../../lib/analyzers/java/java-archive-names.js";

describe("isJavaArchivePath", () => {
  it("matches jar, war, ear, jpi and hpi in any case", () => {
    for (const path of ["a.jar", "opt/x/B.WAR", "app.ear", "var/jenkins/plugins/git.jpi", "p.Hpi"]) {
      expect(isJavaArchivePath(path)).toBe(true);
    }
    for (const path of ["a.jar.sha1", "jar", "opt/x.jar/README", "a.zip", "a.tar", "a.ja"]) {
      expect(isJavaArchivePath(path)).toBe(false);
    }
  });
});

describe("parseArchiveFileName", () => {
  const cases: Array<[string, { name?: string; version?: string }]> = [
    ["commons-lang3-3.12.0.jar", { name: "commons-lang3", version: "3.12.0" }],
    ["log4j-1.2-api-2.19.0.jar", { name: "log4j-1.2-api", version: "2.19.0" }],
    ["demo-0.0.1-SNAPSHOT.jar", { name: "demo", version: "0.0.1-SNAPSHOT" }],
    ["guava-31.1-jre.jar", { name: "guava", version: "31.1-jre" }],
    ["netty-all-4.1.86.Final.jar", { name: "netty-all", version: "4.1.86.Final" }],
    ["my-http2-server-5.war", { name: "my-http2-server", version: "5" }],
    ["io.quarkus.gizmo.gizmo-1.1.jar", { name: "io.quarkus.gizmo.gizmo", version: "1.1" }],
    ["commons-lang3.jar", { name: "commons-lang3" }],
    ["app.jar", { name: "app" }],
    ["-1.0.jar", {}],
    ["weird name 1.0.jar", {}],
  ];
  for (const [fileName, expected] of cases) {
    it(fileName, () => {
      expect(parseArchiveFileName(fileName)).toEqual(expected);
    });
  }
});
