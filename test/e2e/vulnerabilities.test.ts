import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openImageSource } from "../../lib/image/open-image-source.js";
import type { ScanReport } from "../../lib/report/scan-report.js";
import { scanImage } from "../../lib/scan.js";
import { buildFromSources } from "../../lib/vulndb/build-from-sources.js";
import { openDatabaseFile, type VulnDb } from "../../lib/vulndb/db/db-reader.js";
import { buildLayer, writeOciLayout } from "../helpers/oci-builder.js";

/**
 * Images whose packages are known vulnerable, matched against a DB built from real advisory data
 * (Alpine secdb v3.11, the PyPA database, the Debian tracker): exactly the expected ids, with fixed
 * versions and statuses, and nothing reported twice.
 */
const fixtures = fileURLToPath(new URL("../fixtures/", import.meta.url));
let work: string;
let db: VulnDb;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "portcullis-vulns-"));
  const dbFile = join(work, "test.db");
  await buildFromSources(
    [
      { path: `${fixtures}advisories/secdb/alpine-v3.11-main.yaml` },
      { path: `${fixtures}advisories/osv/pypi.jsonl.gz` },
      { path: `${fixtures}advisories/debian-tracker/vunnel-debian.json` },
    ],
    dbFile,
    { builtAt: new Date() },
  );
  db = await openDatabaseFile(dbFile);
});

afterAll(async () => {
  await db?.close();
  await rm(work, { recursive: true, force: true });
});

async function scanLayout(name: string, layers: Parameters<typeof buildLayer>[0][]): Promise<ScanReport> {
  const built = await Promise.all(layers.map((entries) => buildLayer(entries, "gzip")));
  const layout = join(work, name);
  await writeOciLayout(layout, { layers: built, tag: "t" });
  return scanImage(await openImageSource(`oci:${layout}:t`), { vulnDb: db });
}

const apkRecord = (name: string, version: string, origin: string) =>
  `C:Q1AAAAAAAAAAAAAAAAAAAAAAAAAAA=\nP:${name}\nV:${version}\nA:x86_64\nS:1\nI:1\nT:${name}\nU:https://www.openssl.org\nL:OpenSSL\no:${origin}\nm:Timo Teras <timo.teras@iki.fi>\n`;

describe("vulnerability matching end to end", () => {
  it("Alpine 3.11: openssl by origin from secdb, requests from PyPA, each flaw once per package", async () => {
    const report = await scanLayout("alpine", [
      [
        { path: "etc/os-release", content: 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.11.6\n' },
        {
          path: "lib/apk/db/installed",
          content: `${apkRecord("libssl1.1", "1.1.1d-r0", "openssl")}\n${apkRecord("openssl", "1.1.1d-r0", "openssl")}\n`,
        },
        {
          path: "usr/local/lib/python3.8/site-packages/requests-2.28.1.egg-info/PKG-INFO",
          content: await import("node:fs/promises").then((fs) =>
            fs.readFile(
              `${fixtures}python/debian/usr/lib/python3/dist-packages/requests-2.28.1.egg-info/PKG-INFO`,
            ),
          ),
        },
      ],
    ]);
    const found = (report.vulnerabilities ?? [])
      .map((f) => `${f.package.name} ${f.id} ${f.fixedVersions.join(",")}`)
      .sort();
    const openssl = [
      "CVE-2019-1547 1.1.1d-r1",
      "CVE-2019-1549 1.1.1d-r1",
      "CVE-2019-1551 1.1.1d-r3",
      "CVE-2019-1563 1.1.1d-r1",
    ];
    expect(found).toEqual(
      [
        ...openssl.map((v) => `libssl1.1 ${v}`),
        ...openssl.map((v) => `openssl ${v}`),
        "requests CVE-2023-32681 2.31.0",
      ].sort(),
    );
    const requests = report.vulnerabilities?.find((f) => f.package.name === "requests");
    expect(requests?.aliases).toEqual(["CVE-2023-32681", "GHSA-j8r2-6x86-q33q", "PYSEC-2023-74"]);
    expect(requests?.status).toBe("fixed");
    expect(report.vulnerabilityDb?.stale).toBe(false);
  });

  it("Debian 10: fixed, never-affected and end-of-life verdicts from the tracker", async () => {
    const status = (pkg: string, source: string, version: string) =>
      `Package: ${pkg}\nStatus: install ok installed\nPriority: optional\nSection: web\nMaintainer: Debian Maintainers <maint@example.invalid>\nArchitecture: all\nSource: ${source}\nVersion: ${version}\nDescription: test\n`;
    const report = await scanLayout("debian", [
      [
        {
          path: "etc/os-release",
          content:
            'PRETTY_NAME="Debian GNU/Linux 10 (buster)"\nID=debian\nVERSION_ID="10"\nVERSION_CODENAME=buster\n',
        },
        {
          path: "var/lib/dpkg/status",
          content: `${status("libjs-prototype", "prototypejs", "1.6.0.1-1")}\n${status("chromium", "chromium", "90.0.4430.212-1~deb10u1")}\n`,
        },
      ],
    ]);
    const found = (report.vulnerabilities ?? []).map(
      (f) => `${f.package.name} ${f.id} ${f.status} ${f.fixedVersions.join(",")}`,
    );
    expect(found.sort()).toEqual([
      "chromium CVE-2022-0456 end-of-life ",
      "libjs-prototype CVE-2008-7220 fixed 1.6.0.2-1",
    ]);
  });

  it("reports nothing for a package no advisory covers", async () => {
    const report = await scanLayout("clean", [
      [
        { path: "etc/os-release", content: "ID=alpine\nVERSION_ID=3.11.6\n" },
        { path: "lib/apk/db/installed", content: apkRecord("musl", "1.1.24-r2", "musl") },
      ],
    ]);
    expect(report.vulnerabilities).toEqual([]);
  });
});
