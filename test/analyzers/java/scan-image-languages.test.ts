import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ANALYZERS } from "../../../lib/analyzers/index.js";
import { jarAnalyzer } from "../../../lib/analyzers/java/jar-analyzer.js";
import { pythonAnalyzer } from "../../../lib/analyzers/python/python-analyzer.js";
import { openImageSource } from "../../../lib/image/open-image-source.js";
import type { ScanReport } from "../../../lib/report/scan-report.js";
import { scanImage } from "../../../lib/scan.js";
import {
  buildLayer,
  fileEntriesFromDir,
  type LayerEntry,
  writeOciLayout,
} from "../../helpers/oci-builder.js";
import { buildZip } from "../../helpers/zip-builder.js";
import { fixturePath, readFixture } from "../fixtures.js";

/**
 * Java archives and Python distributions through the whole pipeline: an OCI layout whose first
 * layer holds Debian's Python metadata and small jars (analysed from memory) and whose second
 * holds a zipped egg and a 17 MiB fat jar, which must be spilled to a temporary file: the scan
 * caps buffered files at 8 MiB, so only the spill path can read it.
 */
const MiB = 1024 * 1024;
const SITE = "usr/lib/python3/dist-packages";
const EGG = "usr/local/lib/python3.11/site-packages/six-1.16.0-py3.11.egg";

let work: string;
let report: ScanReport;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "portcullis-languages-"));
  // six comes from the egg in layer 1 only, so its layer provenance is unambiguous.
  const debian = (await fileEntriesFromDir(fixturePath("python", "debian"))).filter(
    (e) => !e.path.includes("six-1.16.0.egg-info"),
  );
  const bigJar = buildZip([
    {
      name: "META-INF/maven/com.example/big/pom.properties",
      data: "groupId=com.example\nartifactId=big\nversion=1.0\n",
    },
    {
      name: "BOOT-INF/lib/log4j-api-2.19.0.jar",
      data: readFixture("java", "log4j-api-2.19.0.jar"),
      method: "store",
    },
    { name: "BOOT-INF/classes/padding.bin", data: Buffer.alloc(17 * MiB, 0x5a), method: "store" },
  ]);
  expect(bigJar.length).toBeGreaterThan(jarAnalyzer.spillAbove ?? Number.POSITIVE_INFINITY);
  const layer0: LayerEntry[] = [
    ...debian,
    {
      path: "usr/share/java/commons-lang3-3.12.0.jar",
      content: readFixture("java", "commons-lang3-3.12.0.jar"),
    },
    { path: "usr/share/java/commons-lang3.jar", type: "symlink", linkname: "commons-lang3-3.12.0.jar" },
    { path: "opt/app/webapp-1.0.war", content: readFixture("java", "webapp-1.0.war") },
  ];
  const layer1: LayerEntry[] = [
    { path: EGG, content: readFixture("python", "eggs", "six-1.16.0-py3.11.egg") },
    { path: "opt/app/big-1.0.jar", content: bigJar },
  ];
  const layers = [await buildLayer(layer0, "gzip"), await buildLayer(layer1, "gzip")];
  await writeOciLayout(join(work, "layout"), { layers, tag: "languages" });
  const source = await openImageSource(`oci:${join(work, "layout")}:languages`);
  report = await scanImage(source, {
    // A Set, so the test holds before and after the two are registered in ANALYZERS.
    analyzers: [...new Set([...ANALYZERS, jarAnalyzer, pythonAnalyzer])],
    limits: { maxBufferedFileSize: 8 * MiB },
  });
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe("scanning an image with Java archives and Python distributions", () => {
  it("finds every package with the layer and file it came from", () => {
    const found = report.packages.map((p) => ({
      ecosystem: p.ecosystem,
      name: p.name,
      version: p.version,
      layer: p.layer.index,
      foundIn: p.foundIn,
      ...(p.licenses ? { licenses: p.licenses } : {}),
    }));
    expect(found).toEqual([
      {
        ecosystem: "maven",
        name: "com.example:big",
        version: "1.0",
        layer: 1,
        foundIn: "opt/app/big-1.0.jar",
      },
      {
        ecosystem: "maven",
        name: "org.apache.commons:commons-lang3",
        version: "3.12.0",
        layer: 0,
        foundIn: "usr/share/java/commons-lang3-3.12.0.jar",
      },
      {
        ecosystem: "maven",
        name: "org.apache.commons:commons-lang3",
        version: "3.12.0",
        layer: 0,
        foundIn: "opt/app/webapp-1.0.war",
      },
      {
        ecosystem: "maven",
        name: "org.apache.logging.log4j:log4j-api",
        version: "2.19.0",
        layer: 1,
        foundIn: "opt/app/big-1.0.jar",
      },
      {
        ecosystem: "maven",
        name: "org.slf4j:slf4j-api",
        version: "1.7.32",
        layer: 0,
        foundIn: "opt/app/webapp-1.0.war",
      },
      { ecosystem: "maven", name: "webapp", version: "1.0", layer: 0, foundIn: "opt/app/webapp-1.0.war" },
      pypi("dbus-python", "1.3.2", 0, `${SITE}/dbus_python-1.3.2.egg-info/PKG-INFO`, ["Expat (MIT/X11)"]),
      pypi("pip", "23.0.1", 0, `${SITE}/pip-23.0.1.dist-info/METADATA`, ["MIT"]),
      pypi("pycairo", "1.20.1", 0, `${SITE}/pycairo-1.20.1.egg-info`, ["LGPL-2.1-only OR MPL-1.1"]),
      pypi("python-apt", "2.6.0", 0, `${SITE}/python_apt-2.6.0.egg-info/PKG-INFO`, ["GNU GPL"]),
      pypi("requests", "2.28.1", 0, `${SITE}/requests-2.28.1.egg-info/PKG-INFO`, ["Apache 2.0"]),
      pypi("selinux", "3.4", 0, `${SITE}/selinux-3.4.egg-info`),
      pypi("six", "1.16.0", 1, EGG, ["MIT"]),
      pypi("urllib3", "1.26.12", 0, `${SITE}/urllib3-1.26.12.egg-info/PKG-INFO`, ["MIT"]),
    ]);
  });

  it("reports no warnings and identifies no OS from language packages", () => {
    expect(report.warnings).toEqual([]);
    expect(report.os).toBeUndefined();
  });
});

function pypi(name: string, version: string, layer: number, foundIn: string, licenses?: string[]) {
  return { ecosystem: "pypi", name, version, layer, foundIn, ...(licenses ? { licenses } : {}) };
}
