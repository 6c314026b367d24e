import { beforeAll, describe, expect, it } from "vitest";
import { SourceError } from "../../../lib/errors.js";
import { writeCycloneDx } from "../../../lib/inventory/sbom/cyclonedx-writer.js";
import { scanSbom } from "../../../lib/inventory/sbom/scan-sbom.js";
import { writeSpdx } from "../../../lib/inventory/sbom/spdx-writer.js";
import { SCAN_REPORT_SCHEMA_VERSION, type ScanReport } from "../../../lib/report/scan-report.js";
import { PORTCULLIS_VERSION } from "../../../lib/version.js";
import { everyFieldReport } from "./sample-reports.js";
import { cyclonedx16Validator, spdx23Validator } from "./schema-validators.js";

let report: ScanReport;
const now = () => new Date("2024-06-01T00:00:00.000Z");

beforeAll(async () => {
  report = await everyFieldReport();
});

describe("scanSbom", () => {
  it.each([
    ["CycloneDX", writeCycloneDx],
    ["SPDX", writeSpdx],
  ] as const)(
    "a %s SBOM of an image gives that image's report, from source sbom, without layers",
    (_, write) => {
      const fromSbom = scanSbom(Buffer.from(write(report)), { name: "sbom:image.json", now });
      expect(fromSbom).toStrictEqual({
        schemaVersion: SCAN_REPORT_SCHEMA_VERSION,
        tool: { name: "portcullis", version: PORTCULLIS_VERSION },
        createdAt: "2024-06-01T00:00:00.000Z",
        durationMs: 0,
        artifact: {
          name: report.artifact.name,
          source: "sbom",
          digest: report.artifact.digest,
          mediaType: report.artifact.mediaType,
          platform: report.artifact.platform,
          configDigest: report.artifact.configDigest,
          created: report.artifact.created,
          layers: [],
        },
        os: report.os,
        packages: report.packages,
        warnings: [],
      });
    },
  );

  it("uses the given name and the SBOM's media type when the SBOM says little", () => {
    const minimal = { bomFormat: "CycloneDX", specVersion: "1.5", components: [] };
    const fromSbom = scanSbom(Buffer.from(JSON.stringify(minimal)), { name: "sbom:min.json", now });
    expect(fromSbom.artifact).toEqual({
      name: "sbom:min.json",
      source: "sbom",
      digest: "",
      mediaType: "application/vnd.cyclonedx+json",
      platform: { os: "", architecture: "" },
      configDigest: "",
      layers: [],
    });
    expect(fromSbom.os).toBeUndefined();
    expect(fromSbom.packages).toEqual([]);
  });

  it("its report writes valid SBOMs again (rescans re-publish what they read)", () => {
    const fromSbom = scanSbom(Buffer.from(writeCycloneDx(report)), { name: "sbom:x", now });
    expect(cyclonedx16Validator()(JSON.parse(writeCycloneDx(fromSbom)))).toBe(true);
    expect(spdx23Validator()(JSON.parse(writeSpdx(fromSbom)))).toBe(true);
  });

  it("passes on the reader's errors", () => {
    expect(() => scanSbom(Buffer.from("nope"), { name: "sbom:bad" })).toThrow(SourceError);
  });
});
