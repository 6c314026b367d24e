import { beforeAll, describe, expect, it } from "vitest";
import { writeSpdx } from "../../../lib/inventory/sbom/spdx-writer.js";
import type { ScanReport } from "../../../lib/report/scan-report.js";
import { PORTCULLIS_VERSION } from "../../../lib/version.js";
import { alpineReport, everyFieldReport, ubuntuReport } from "./sample-reports.js";
import { schemaErrors, spdx23Validator } from "./schema-validators.js";

interface SpdxPackage {
  SPDXID: string;
  name: string;
  versionInfo?: string;
  primaryPackagePurpose?: string;
  licenseDeclared?: string;
  licenseConcluded?: string;
  sourceInfo?: string;
  checksums?: Array<{ algorithm: string; checksumValue: string }>;
  externalRefs?: Array<{ referenceCategory: string; referenceType: string; referenceLocator: string }>;
  annotations?: Array<{ annotator: string; comment: string; annotationDate: string }>;
}
interface SpdxDocument {
  spdxVersion: string;
  dataLicense: string;
  SPDXID: string;
  name: string;
  documentNamespace: string;
  creationInfo: { created: string; creators: string[] };
  packages: SpdxPackage[];
  relationships: Array<{ spdxElementId: string; relationshipType: string; relatedSpdxElement: string }>;
  hasExtractedLicensingInfos?: Array<{ licenseId: string; extractedText: string; name?: string }>;
}

let ubuntu: ScanReport;
let alpine: ScanReport;
let everyField: ScanReport;

beforeAll(async () => {
  [ubuntu, alpine, everyField] = await Promise.all([ubuntuReport(), alpineReport(), everyFieldReport()]);
});

const docOf = (report: ScanReport) => JSON.parse(writeSpdx(report)) as SpdxDocument;
const byName = (doc: SpdxDocument, name: string) => doc.packages.find((p) => p.name === name);

describe("writeSpdx", () => {
  it.each([
    ["Ubuntu 18.04 (dpkg)", () => ubuntu],
    ["Alpine 3.18 (apk)", () => alpine],
    ["every Package field, rpm and free-text licenses", () => everyField],
  ])("%s validates against the official SPDX 2.3 schema", (_, report) => {
    const validate = spdx23Validator();
    const valid = validate(docOf(report()));
    expect(schemaErrors(validate)).toEqual([]);
    expect(valid).toBe(true);
  });

  it("has the document header SPDX 2.3 requires", () => {
    const doc = docOf(ubuntu);
    expect(doc).toMatchObject({
      spdxVersion: "SPDX-2.3",
      dataLicense: "CC0-1.0",
      SPDXID: "SPDXRef-DOCUMENT",
      name: ubuntu.artifact.name,
      creationInfo: { created: "2024-05-01T12:34:56Z", creators: [`Tool: portcullis-${PORTCULLIS_VERSION}`] },
    });
    expect(doc.documentNamespace).toMatch(
      /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it("describes the image, which contains the OS and every package", () => {
    const doc = docOf(ubuntu);
    const [image, os, ...packages] = doc.packages;
    const digest = ubuntu.artifact.digest;
    expect(image).toMatchObject({
      SPDXID: "SPDXRef-Image",
      versionInfo: digest,
      primaryPackagePurpose: "CONTAINER",
      checksums: [{ algorithm: "SHA256", checksumValue: digest.slice("sha256:".length) }],
      externalRefs: [
        {
          referenceCategory: "PACKAGE-MANAGER",
          referenceType: "purl",
          referenceLocator: `pkg:oci/sample@${digest}?arch=amd64&tag=18.04`,
        },
      ],
    });
    expect(os).toMatchObject({
      SPDXID: "SPDXRef-OperatingSystem",
      name: "ubuntu",
      versionInfo: "18.04",
      primaryPackagePurpose: "OPERATING-SYSTEM",
    });
    expect(packages).toHaveLength(ubuntu.packages.length);
    expect(doc.relationships[0]).toEqual({
      spdxElementId: "SPDXRef-DOCUMENT",
      relationshipType: "DESCRIBES",
      relatedSpdxElement: "SPDXRef-Image",
    });
    expect(doc.relationships.slice(1)).toEqual(
      [os, ...packages].map((p) => ({
        spdxElementId: "SPDXRef-Image",
        relationshipType: "CONTAINS",
        relatedSpdxElement: p?.SPDXID,
      })),
    );
    const ids = doc.packages.map((p) => p.SPDXID);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("writes each package with version, purl, source and NOASSERTION where nothing is known", () => {
    const bsdutils = byName(docOf(ubuntu), "bsdutils");
    expect(bsdutils).toMatchObject({
      versionInfo: "1:2.31.1-0.4ubuntu3.1",
      primaryPackagePurpose: "LIBRARY",
      licenseConcluded: "NOASSERTION",
      licenseDeclared: "NOASSERTION",
      sourceInfo: "built package from: util-linux 2.31.1-0.4ubuntu3.1",
      externalRefs: [
        {
          referenceCategory: "PACKAGE-MANAGER",
          referenceType: "purl",
          referenceLocator: "pkg:deb/ubuntu/bsdutils@1:2.31.1-0.4ubuntu3.1?arch=amd64&distro=ubuntu-18.04",
        },
      ],
    });
    expect(bsdutils?.SPDXID).toMatch(/^SPDXRef-Package-deb-bsdutils-[0-9a-f]{12}$/);
  });

  it("declares SPDX expressions, with free-text licenses as LicenseRefs defined in the document", () => {
    const alpineDoc = docOf(alpine);
    expect(byName(alpineDoc, "musl")?.licenseDeclared).toBe("MIT");
    expect(byName(alpineDoc, "ca-certificates-bundle")?.licenseDeclared).toBe("MPL-2.0 AND MIT");
    expect(alpineDoc.hasExtractedLicensingInfos).toBeUndefined();

    const doc = docOf(everyField);
    expect(byName(doc, "nodejs")?.licenseDeclared).toBe("LicenseRef-MIT-and-ASL-2.0-and-ISC-and-BSD");
    expect(byName(doc, "openssl-libs")?.licenseDeclared).toBe(
      "OpenSSL AND GPL-2.0-or-later WITH Classpath-exception-2.0 AND LicenseRef-Public-Domain",
    );
    expect(byName(doc, "tzdata")?.licenseDeclared).toBe("LicenseRef-Public-Domain");
    expect(doc.hasExtractedLicensingInfos).toEqual([
      {
        licenseId: "LicenseRef-MIT-and-ASL-2.0-and-ISC-and-BSD",
        name: "MIT and ASL 2.0 and ISC and BSD",
        extractedText: "MIT and ASL 2.0 and ISC and BSD",
      },
      { licenseId: "LicenseRef-Public-Domain", name: "Public Domain", extractedText: "Public Domain" },
    ]);
  });

  it("annotates packages with the round-trip fields, by the portcullis tool", () => {
    const nodejs = byName(docOf(everyField), "nodejs");
    const comments = nodejs?.annotations?.map((a) => a.comment);
    expect(comments).toEqual(
      expect.arrayContaining([
        "portcullis:ecosystem: rpm",
        "portcullis:epoch: 1",
        "portcullis:modularityLabel: nodejs:18:8090020230810123456:8a3a2d11",
        `portcullis:licenses: ${JSON.stringify(["MIT and ASL 2.0 and ISC and BSD"])}`,
      ]),
    );
    expect(nodejs?.annotations?.every((a) => a.annotator === `Tool: portcullis-${PORTCULLIS_VERSION}`)).toBe(
      true,
    );
  });

  it("is a pure function of the report", () => {
    expect(writeSpdx(ubuntu)).toBe(writeSpdx(structuredClone(ubuntu)));
    expect(docOf({ ...ubuntu, createdAt: "2024-05-02T00:00:00.000Z" }).documentNamespace).not.toBe(
      docOf(ubuntu).documentNamespace,
    );
  });

  it("keeps SPDX ids valid and unique for odd names and duplicates", () => {
    const first = ubuntu.packages[0];
    if (!first) throw new Error("no packages");
    const odd = { ...first, name: "weird name/with:chars@1", purl: undefined };
    const doc = docOf({ ...ubuntu, packages: [odd, odd, first] });
    const ids = doc.packages.map((p) => p.SPDXID);
    expect(new Set(ids).size).toBe(ids.length);
    expect(spdx23Validator()(doc)).toBe(true);
  });
});
