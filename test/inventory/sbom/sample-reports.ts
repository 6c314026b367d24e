import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openImageSource } from "../../../lib/image/open-image-source.js";
import type { Package } from "../../../lib/inventory/package.js";
import { withPurls } from "../../../lib/inventory/purl.js";
import type { ScanReport } from "../../../lib/report/scan-report.js";
import { scanImage } from "../../../lib/scan.js";
import { writeOciLayout } from "../../helpers/oci-builder.js";
import { alpineSample, type SampleImage, ubuntuSample } from "../../helpers/sample-images.js";

/** A fixed clock, so that SBOMs of the same report compare byte for byte. */
export const FIXED_NOW = () => new Date("2024-05-01T12:34:56.789Z");

/**
 * Reports from the sample images (real dpkg and apk databases), scanned end to end from an OCI
 * layout as `portcullis scan oci:…` does, with purls filled in as the pipeline will.
 */
export async function scanSample(sample: () => Promise<SampleImage>, tag: string): Promise<ScanReport> {
  const work = await mkdtemp(join(tmpdir(), "portcullis-sbom-"));
  try {
    const image = await sample();
    const layout = join(work, "layout");
    await writeOciLayout(layout, { layers: image.layers, tag });
    const name = `oci:${layout}:${tag}`;
    const report = await scanImage(await openImageSource(name), { name, now: FIXED_NOW });
    // The layout lives in a temp dir: give the report a stable name so outputs are reproducible.
    report.artifact.name = `oci:/images/sample:${tag}`;
    return { ...report, packages: withPurls(report.packages, report.os) };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export const ubuntuReport = () => scanSample(ubuntuSample, "18.04");
export const alpineReport = () => scanSample(alpineSample, "3.18");

/**
 * Packages with every optional field set, the way the rpm analyzer will report them (epoch,
 * vendor, modularity label, source rpm), plus license strings of every kind SPDX must handle:
 * a listed id, a compound expression, free text, and several licenses at once.
 */
export function rpmPackages(layer: Package["layer"]): Package[] {
  return [
    {
      ecosystem: "rpm",
      name: "nodejs",
      version: "1:18.17.1-1.module+el8.8.0+19757+8bcd1e8a",
      epoch: 1,
      source: { name: "nodejs", version: "18.17.1-1.module+el8.8.0+19757+8bcd1e8a" },
      arch: "x86_64",
      licenses: ["MIT and ASL 2.0 and ISC and BSD"],
      maintainer: "Red Hat, Inc. <http://bugzilla.redhat.com/bugzilla>",
      checksum: "sha256:3f1e0c7d9b4a2e8f6c5d1a0b9e8f7c6d5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d",
      vendor: "Red Hat, Inc.",
      modularityLabel: "nodejs:18:8090020230810123456:8a3a2d11",
      purl: "pkg:rpm/redhat/nodejs@18.17.1-1.module%2Bel8.8.0%2B19757%2B8bcd1e8a?arch=x86_64&distro=rhel-8.8&epoch=1",
      layer,
      foundIn: "var/lib/rpm/rpmdb.sqlite",
    },
    {
      ecosystem: "rpm",
      name: "openssl-libs",
      version: "1:1.1.1k-9.el8_7",
      epoch: 1,
      source: { name: "openssl", version: "1.1.1k-9.el8_7" },
      arch: "x86_64",
      licenses: ["OpenSSL", "GPL-2.0-or-later WITH Classpath-exception-2.0", "Public Domain"],
      layer,
      foundIn: "var/lib/rpm/rpmdb.sqlite",
    },
    {
      ecosystem: "rpm",
      name: "tzdata",
      version: "2023c-1.el8",
      source: { name: "tzdata" },
      arch: "noarch",
      licenses: ["Public Domain"],
      vendor: "Red Hat, Inc.",
      layer,
      foundIn: "var/lib/rpm/rpmdb.sqlite",
    },
  ];
}

/** The Ubuntu report with the rpm packages added, so one SBOM exercises every Package field. */
export async function everyFieldReport(): Promise<ScanReport> {
  const report = await ubuntuReport();
  const layer = report.packages[0]?.layer ?? { index: 0, diffID: "", digest: "" };
  return { ...report, packages: [...report.packages, ...rpmPackages(layer)] };
}
