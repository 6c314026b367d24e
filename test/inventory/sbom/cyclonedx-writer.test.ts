import { beforeAll, describe, expect, it } from "vitest";
import { cyclonedxLicenses, writeCycloneDx } from "../../../lib/inventory/sbom/cyclonedx-writer.js";
import type { ScanReport } from "../../../lib/report/scan-report.js";
import { PORTCULLIS_VERSION } from "../../../lib/version.js";
import { alpineReport, everyFieldReport, ubuntuReport } from "./sample-reports.js";
import { cyclonedx16Validator, schemaErrors } from "./schema-validators.js";

interface Bom {
  bomFormat: string;
  specVersion: string;
  serialNumber: string;
  metadata: {
    timestamp: string;
    tools: { components: Array<{ type: string; name: string; version: string }> };
    component: Record<string, unknown> & { "bom-ref": string };
  };
  components: Array<Record<string, unknown> & { "bom-ref": string; type: string; name: string }>;
  dependencies: Array<{ ref: string; dependsOn: string[] }>;
}

let ubuntu: ScanReport;
let alpine: ScanReport;
let everyField: ScanReport;

beforeAll(async () => {
  [ubuntu, alpine, everyField] = await Promise.all([ubuntuReport(), alpineReport(), everyFieldReport()]);
});

const bomOf = (report: ScanReport) => JSON.parse(writeCycloneDx(report)) as Bom;

describe("writeCycloneDx", () => {
  it.each([
    ["Ubuntu 18.04 (dpkg)", () => ubuntu],
    ["Alpine 3.18 (apk)", () => alpine],
    ["every Package field, rpm and free-text licenses", () => everyField],
  ])("%s validates against the official CycloneDX 1.6 schema", (_, report) => {
    const validate = cyclonedx16Validator();
    const valid = validate(bomOf(report()));
    expect(schemaErrors(validate)).toEqual([]);
    expect(valid).toBe(true);
  });

  it("describes the image as the metadata component, with tool, digest, oci purl and hashes", () => {
    const bom = bomOf(ubuntu);
    expect(bom).toMatchObject({ bomFormat: "CycloneDX", specVersion: "1.6" });
    expect(bom.serialNumber).toMatch(
      /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(bom.metadata.timestamp).toBe(ubuntu.createdAt);
    expect(bom.metadata.tools.components).toEqual([
      { type: "application", name: "portcullis", version: PORTCULLIS_VERSION },
    ]);
    const digest = ubuntu.artifact.digest;
    expect(bom.metadata.component).toMatchObject({
      type: "container",
      name: ubuntu.artifact.name,
      version: digest,
      purl: `pkg:oci/sample@${digest}?arch=amd64&tag=18.04`,
      hashes: [{ alg: "SHA-256", content: digest.slice("sha256:".length) }],
    });
  });

  it("lists the OS and one library per package, with purls, and the image depends on all of them", () => {
    const bom = bomOf(ubuntu);
    const os = bom.components.filter((c) => c.type === "operating-system");
    expect(os).toEqual([
      expect.objectContaining({ name: "ubuntu", version: "18.04", description: "Ubuntu 18.04.6 LTS" }),
    ]);
    const libraries = bom.components.filter((c) => c.type === "library");
    expect(libraries).toHaveLength(ubuntu.packages.length);
    expect(libraries.find((c) => c.name === "bsdutils")).toMatchObject({
      version: "1:2.31.1-0.4ubuntu3.1",
      purl: "pkg:deb/ubuntu/bsdutils@1:2.31.1-0.4ubuntu3.1?arch=amd64&distro=ubuntu-18.04",
      publisher: "Ubuntu Developers <ubuntu-devel-discuss@lists.ubuntu.com>",
    });

    const refs = bom.components.map((c) => c["bom-ref"]);
    expect(new Set(refs).size).toBe(refs.length);
    expect(bom.dependencies).toEqual([{ ref: bom.metadata.component["bom-ref"], dependsOn: refs }]);
  });

  it("carries the round-trip fields as portcullis: properties", () => {
    const bom = bomOf(everyField);
    const nodejs = bom.components.find((c) => c.name === "nodejs");
    expect(nodejs?.properties).toEqual(
      expect.arrayContaining([
        { name: "portcullis:ecosystem", value: "rpm" },
        { name: "portcullis:epoch", value: "1" },
        { name: "portcullis:source:name", value: "nodejs" },
        { name: "portcullis:arch", value: "x86_64" },
        { name: "portcullis:vendor", value: "Red Hat, Inc." },
        { name: "portcullis:modularityLabel", value: "nodejs:18:8090020230810123456:8a3a2d11" },
        { name: "portcullis:foundIn", value: "var/lib/rpm/rpmdb.sqlite" },
        { name: "portcullis:layer:index", value: "0" },
      ]),
    );
  });

  it("writes apk licenses as SPDX ids, expressions or names", () => {
    const bom = bomOf(alpine);
    const licensesOf = (name: string) => bom.components.find((c) => c.name === name)?.licenses;
    expect(licensesOf("musl")).toEqual([{ license: { id: "MIT" } }]);
    expect(licensesOf("ca-certificates-bundle")).toEqual([{ expression: "MPL-2.0 AND MIT" }]);
    expect(licensesOf("musl-utils")).toEqual([{ expression: "MIT AND BSD-2-Clause AND GPL-2.0-or-later" }]);
    expect(cyclonedxLicenses(["MIT"])).toEqual([{ license: { id: "MIT" } }]);
    expect(cyclonedxLicenses(["MIT and BSD-2-Clause"])).toEqual([{ expression: "MIT AND BSD-2-Clause" }]);
    expect(cyclonedxLicenses(["GPL-2.0+"])).toEqual([{ expression: "GPL-2.0+" }]);
    expect(cyclonedxLicenses(["MIT OR (Apache-2.0 AND BSD-3-Clause)"])).toEqual([
      { expression: "MIT OR (Apache-2.0 AND BSD-3-Clause)" },
    ]);
    expect(cyclonedxLicenses(["MIT and ASL 2.0"])).toEqual([{ license: { name: "MIT and ASL 2.0" } }]);
    // Several licenses cannot include an expression: compound ones become names.
    expect(cyclonedxLicenses(["OpenSSL", "MIT OR Apache-2.0", "Public Domain", " "])).toEqual([
      { license: { id: "OpenSSL" } },
      { license: { name: "MIT OR Apache-2.0" } },
      { license: { name: "Public Domain" } },
    ]);
  });

  it("is a pure function of the report: same report, same bytes; a new scan, a new serial number", () => {
    expect(writeCycloneDx(ubuntu)).toBe(writeCycloneDx(structuredClone(ubuntu)));
    const later = bomOf({ ...ubuntu, createdAt: "2024-05-02T00:00:00.000Z" });
    expect(later.serialNumber).not.toBe(bomOf(ubuntu).serialNumber);
  });

  it("keeps bom-refs unique when the same package appears twice", () => {
    const first = ubuntu.packages[0];
    if (!first) throw new Error("no packages");
    const twice = { ...ubuntu, packages: [first, { ...first, foundIn: "var/lib/dpkg/status.d/adduser" }] };
    const bom = bomOf(twice);
    const refs = bom.components.map((c) => c["bom-ref"]);
    expect(new Set(refs).size).toBe(3);
    expect(cyclonedx16Validator()(bom)).toBe(true);
  });

  it("writes a valid BOM for an image without OS or packages", () => {
    const empty: ScanReport = { ...ubuntu, os: undefined, packages: [] };
    const bom = bomOf(empty);
    expect(bom.components).toEqual([]);
    expect(cyclonedx16Validator()(bom)).toBe(true);
  });
});
