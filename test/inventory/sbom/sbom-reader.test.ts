import { beforeAll, describe, expect, it } from "vitest";
import { SourceError } from "../../../lib/errors.js";
import { writeCycloneDx } from "../../../lib/inventory/sbom/cyclonedx-writer.js";
import { MAX_SBOM_BYTES, readSbom } from "../../../lib/inventory/sbom/sbom-reader.js";
import { writeSpdx } from "../../../lib/inventory/sbom/spdx-writer.js";
import type { ScanReport } from "../../../lib/report/scan-report.js";
import { alpineReport, everyFieldReport, ubuntuReport } from "./sample-reports.js";

let ubuntu: ScanReport;
let alpine: ScanReport;
let everyField: ScanReport;

beforeAll(async () => {
  [ubuntu, alpine, everyField] = await Promise.all([ubuntuReport(), alpineReport(), everyFieldReport()]);
});

const json = (value: unknown) => Buffer.from(JSON.stringify(value));

describe.each([
  ["CycloneDX", writeCycloneDx, "cyclonedx"],
  ["SPDX", writeSpdx, "spdx"],
] as const)("round trip report → %s → readSbom", (_, write, format) => {
  it.each([
    ["Ubuntu 18.04 (dpkg)", () => ubuntu],
    ["Alpine 3.18 (apk)", () => alpine],
    ["every Package field", () => everyField],
  ])("%s: the very same packages and OS", (_, report) => {
    const inventory = readSbom(Buffer.from(write(report())));
    expect(inventory.format).toBe(format);
    expect(inventory.packages).toStrictEqual(report().packages);
    expect(inventory.os).toStrictEqual(report().os);
    expect(inventory.warnings).toEqual([]);
  });

  it("the image: name, digest, platform, config and media type", () => {
    const { artifact } = readSbom(Buffer.from(write(ubuntu)));
    expect(artifact).toEqual({
      name: ubuntu.artifact.name,
      digest: ubuntu.artifact.digest,
      mediaType: ubuntu.artifact.mediaType,
      configDigest: ubuntu.artifact.configDigest,
      created: ubuntu.artifact.created,
      platform: ubuntu.artifact.platform,
    });
  });

  it("packages without a purl stay without one (the writer's derived purl is not kept)", () => {
    const bare = { ...everyField, packages: everyField.packages.map(({ purl: _, ...rest }) => rest) };
    expect(readSbom(Buffer.from(write(bare))).packages).toStrictEqual(bare.packages);
  });

  it("fields added to Package later travel too", () => {
    const first = ubuntu.packages[0];
    if (!first) throw new Error("no packages");
    const extended = { ...first, binaries: ["usr/sbin/adduser"], size: 624 };
    const report = { ...ubuntu, packages: [extended] };
    expect(readSbom(Buffer.from(write(report))).packages).toStrictEqual([extended]);
  });
});

/** The shape Trivy (0.49+) writes for an image: `trivy image --format cyclonedx ubuntu:22.04`. */
const DIGEST = `sha256:${"a1".repeat(32)}`;
const DIFF0 = `sha256:${"d0".repeat(32)}`;
const DIFF1 = `sha256:${"d1".repeat(32)}`;
const BLOB1 = `sha256:${"b1".repeat(32)}`;
const trivyCycloneDx = {
  $schema: "http://cyclonedx.org/schema/bom-1.5.schema.json",
  bomFormat: "CycloneDX",
  specVersion: "1.5",
  serialNumber: "urn:uuid:2d1bb6a1-5d7d-4a5e-9b38-6a6f3c2f0b11",
  version: 1,
  metadata: {
    timestamp: "2024-03-01T10:00:00+00:00",
    tools: { components: [{ type: "application", group: "aquasecurity", name: "trivy", version: "0.49.1" }] },
    component: {
      "bom-ref": `pkg:oci/ubuntu@${DIGEST.replace(":", "%3A")}?arch=amd64&repository_url=index.docker.io%2Flibrary%2Fubuntu`,
      type: "container",
      name: "ubuntu:22.04",
      purl: `pkg:oci/ubuntu@${DIGEST.replace(":", "%3A")}?arch=amd64&repository_url=index.docker.io%2Flibrary%2Fubuntu`,
      properties: [
        { name: "aquasecurity:trivy:DiffID", value: DIFF0 },
        { name: "aquasecurity:trivy:DiffID", value: DIFF1 },
        { name: "aquasecurity:trivy:ImageID", value: `sha256:${"c0".repeat(32)}` },
        { name: "aquasecurity:trivy:RepoDigest", value: `ubuntu@${DIGEST}` },
        { name: "aquasecurity:trivy:RepoTag", value: "ubuntu:22.04" },
        { name: "aquasecurity:trivy:SchemaVersion", value: "2" },
      ],
    },
  },
  components: [
    {
      "bom-ref": "pkg:deb/ubuntu/bsdutils@2.37.2-4ubuntu3?arch=amd64&distro=ubuntu-22.04&epoch=1",
      type: "library",
      supplier: { name: "Ubuntu Developers <ubuntu-devel-discuss@lists.ubuntu.com>" },
      name: "bsdutils",
      version: "1:2.37.2-4ubuntu3",
      purl: "pkg:deb/ubuntu/bsdutils@2.37.2-4ubuntu3?arch=amd64&distro=ubuntu-22.04&epoch=1",
      properties: [
        { name: "aquasecurity:trivy:LayerDiffID", value: DIFF0 },
        { name: "aquasecurity:trivy:LayerDigest", value: `sha256:${"b0".repeat(32)}` },
        { name: "aquasecurity:trivy:PkgID", value: "bsdutils@1:2.37.2-4ubuntu3" },
        { name: "aquasecurity:trivy:PkgType", value: "ubuntu" },
        { name: "aquasecurity:trivy:SrcName", value: "util-linux" },
        { name: "aquasecurity:trivy:SrcVersion", value: "2.37.2-4ubuntu3" },
      ],
    },
    {
      "bom-ref": "3ff14136-e09f-4df9-80ea-000000000001",
      type: "operating-system",
      name: "ubuntu",
      version: "22.04",
      properties: [
        { name: "aquasecurity:trivy:Class", value: "os-pkgs" },
        { name: "aquasecurity:trivy:Type", value: "ubuntu" },
      ],
    },
    {
      "bom-ref": "3ff14136-e09f-4df9-80ea-000000000002",
      type: "application",
      name: "app/package-lock.json",
      properties: [
        { name: "aquasecurity:trivy:Class", value: "lang-pkgs" },
        { name: "aquasecurity:trivy:Type", value: "npm" },
      ],
      components: [
        {
          "bom-ref": "pkg:npm/%40babel/core@7.23.0",
          type: "library",
          group: "@babel",
          name: "core",
          version: "7.23.0",
          licenses: [{ license: { id: "MIT" } }],
          purl: "pkg:npm/%40babel/core@7.23.0",
          properties: [
            { name: "aquasecurity:trivy:FilePath", value: "app/package-lock.json" },
            { name: "aquasecurity:trivy:LayerDiffID", value: DIFF1 },
            { name: "aquasecurity:trivy:LayerDigest", value: BLOB1 },
          ],
        },
      ],
    },
  ],
  dependencies: [],
  vulnerabilities: [],
};

/** The shape Syft (1.x) writes: `syft alpine:3.19 -o cyclonedx-json`. */
const syftCycloneDx = {
  $schema: "http://cyclonedx.org/schema/bom-1.6.schema.json",
  bomFormat: "CycloneDX",
  specVersion: "1.6",
  serialNumber: "urn:uuid:0f6a1a55-9b1d-4c42-8a0e-6d2b7c3e9f10",
  version: 1,
  metadata: {
    timestamp: "2024-03-01T10:00:00Z",
    tools: { components: [{ type: "application", author: "anchore", name: "syft", version: "1.0.1" }] },
    component: { "bom-ref": "5b2a6f0d2c1e4b3a", type: "container", name: "alpine", version: DIGEST },
  },
  components: [
    {
      "bom-ref": "pkg:apk/alpine/busybox-binsh@1.36.1-r15?arch=x86_64&distro=alpine-3.19.1&package-id=1f0e",
      type: "library",
      publisher: "Sören Tempel <soeren+alpine@soeren-tempel.net>",
      name: "busybox-binsh",
      version: "1.36.1-r15",
      licenses: [{ license: { id: "GPL-2.0-only" } }],
      cpe: "cpe:2.3:a:busybox-binsh:busybox-binsh:1.36.1-r15:*:*:*:*:*:*:*",
      purl: "pkg:apk/alpine/busybox-binsh@1.36.1-r15?arch=x86_64&upstream=busybox&distro=alpine-3.19.1",
      properties: [
        { name: "syft:package:foundBy", value: "apk-db-cataloger" },
        { name: "syft:package:type", value: "apk" },
        { name: "syft:location:0:layerID", value: DIFF0 },
        { name: "syft:location:0:path", value: "/lib/apk/db/installed" },
        { name: "syft:metadata:originPackage", value: "busybox" },
      ],
    },
    {
      "bom-ref": "pkg:apk/alpine/ssl_client@1.36.1-r15?arch=x86_64&distro=alpine-3.19.1",
      type: "library",
      name: "ssl_client",
      version: "1.36.1-r15",
      licenses: [{ expression: "GPL-2.0-only AND MIT" }],
      purl: "pkg:apk/alpine/ssl_client@1.36.1-r15?arch=x86_64&upstream=busybox&distro=alpine-3.19.1",
    },
    {
      "bom-ref": "os:alpine@3.19.1",
      type: "operating-system",
      name: "alpine",
      version: "3.19.1",
      description: "Alpine Linux v3.19",
      properties: [{ name: "syft:distro:id", value: "alpine" }],
    },
    { "bom-ref": "file-1", type: "file", name: "/bin/busybox" },
  ],
};

/** The shape Trivy writes as SPDX JSON (annotations since 0.51; attributionTexts before). */
const trivySpdx = {
  spdxVersion: "SPDX-2.3",
  dataLicense: "CC0-1.0",
  SPDXID: "SPDXRef-DOCUMENT",
  name: "alpine:3.19",
  documentNamespace: "http://aquasecurity.github.io/trivy/container_image/alpine:3.19-6b2c1f0e",
  creationInfo: {
    creators: ["Organization: aquasecurity", "Tool: trivy-0.52.0"],
    created: "2024-03-01T10:00:00Z",
  },
  packages: [
    {
      name: "alpine:3.19",
      SPDXID: "SPDXRef-ContainerImage-9c5e3",
      downloadLocation: "NONE",
      primaryPackagePurpose: "CONTAINER",
      externalRefs: [
        {
          referenceCategory: "PACKAGE-MANAGER",
          referenceType: "purl",
          referenceLocator: `pkg:oci/alpine@${DIGEST.replace(":", "%3A")}?arch=amd64&repository_url=index.docker.io%2Flibrary%2Falpine`,
        },
      ],
      attributionTexts: [`DiffID: ${DIFF0}`, `RepoDigest: alpine@${DIGEST}`, "SchemaVersion: 2"],
    },
    {
      name: "alpine",
      SPDXID: "SPDXRef-OperatingSystem-1a2b",
      versionInfo: "3.19.1",
      downloadLocation: "NONE",
      primaryPackagePurpose: "OPERATING-SYSTEM",
    },
    {
      name: "musl",
      SPDXID: "SPDXRef-Package-3c4d",
      versionInfo: "1.2.4_git20230717-r4",
      supplier: "NOASSERTION",
      downloadLocation: "NONE",
      primaryPackagePurpose: "LIBRARY",
      licenseConcluded: "MIT",
      licenseDeclared: "MIT",
      sourceInfo: "built package from: musl 1.2.4_git20230717-r4",
      externalRefs: [
        {
          referenceCategory: "PACKAGE-MANAGER",
          referenceType: "purl",
          referenceLocator: "pkg:apk/alpine/musl@1.2.4_git20230717-r4?arch=x86_64&distro=3.19.1",
        },
      ],
      annotations: [
        {
          annotator: "Tool: trivy-0.52.0",
          annotationDate: "2024-03-01T10:00:00Z",
          annotationType: "OTHER",
          comment: `LayerDiffID: ${DIFF0}`,
        },
        {
          annotator: "Tool: trivy-0.52.0",
          annotationDate: "2024-03-01T10:00:00Z",
          annotationType: "OTHER",
          comment: "PkgType: alpine",
        },
      ],
    },
  ],
  relationships: [
    {
      spdxElementId: "SPDXRef-DOCUMENT",
      relatedSpdxElement: "SPDXRef-ContainerImage-9c5e3",
      relationshipType: "DESCRIBES",
    },
    {
      spdxElementId: "SPDXRef-ContainerImage-9c5e3",
      relatedSpdxElement: "SPDXRef-OperatingSystem-1a2b",
      relationshipType: "CONTAINS",
    },
    {
      spdxElementId: "SPDXRef-OperatingSystem-1a2b",
      relatedSpdxElement: "SPDXRef-Package-3c4d",
      relationshipType: "CONTAINS",
    },
  ],
};

describe("other tools' SBOMs", () => {
  it("Trivy CycloneDX: purl identity, epoch, source, layers by DiffID, nested components", () => {
    const inventory = readSbom(json(trivyCycloneDx));
    expect(inventory.artifact).toEqual({ name: "ubuntu:22.04", digest: DIGEST });
    expect(inventory.os).toEqual({ family: "ubuntu", versionId: "22.04" });
    expect(inventory.packages).toStrictEqual([
      {
        ecosystem: "deb",
        name: "bsdutils",
        version: "1:2.37.2-4ubuntu3",
        source: { name: "util-linux", version: "2.37.2-4ubuntu3" },
        arch: "amd64",
        purl: "pkg:deb/ubuntu/bsdutils@2.37.2-4ubuntu3?arch=amd64&distro=ubuntu-22.04&epoch=1",
        layer: { index: 0, diffID: DIFF0, digest: `sha256:${"b0".repeat(32)}` },
        foundIn: "",
      },
      {
        ecosystem: "npm",
        name: "@babel/core",
        version: "7.23.0",
        licenses: ["MIT"],
        purl: "pkg:npm/%40babel/core@7.23.0",
        layer: { index: 1, diffID: DIFF1, digest: BLOB1 },
        foundIn: "app/package-lock.json",
      },
    ]);
    // The lock-file application has no purl by design: no warning for it.
    expect(inventory.warnings).toEqual([]);
  });

  it("Syft CycloneDX: upstream source, location, publisher, expression licenses; files are skipped", () => {
    const inventory = readSbom(json(syftCycloneDx));
    expect(inventory.artifact).toEqual({ name: "alpine", digest: DIGEST });
    expect(inventory.os).toEqual({ family: "alpine", versionId: "3.19.1", prettyName: "Alpine Linux v3.19" });
    expect(inventory.packages).toStrictEqual([
      {
        ecosystem: "apk",
        name: "busybox-binsh",
        version: "1.36.1-r15",
        source: { name: "busybox" },
        arch: "x86_64",
        licenses: ["GPL-2.0-only"],
        maintainer: "Sören Tempel <soeren+alpine@soeren-tempel.net>",
        purl: "pkg:apk/alpine/busybox-binsh@1.36.1-r15?arch=x86_64&upstream=busybox&distro=alpine-3.19.1",
        layer: { index: -1, diffID: DIFF0, digest: "" },
        foundIn: "lib/apk/db/installed",
      },
      {
        ecosystem: "apk",
        name: "ssl_client",
        version: "1.36.1-r15",
        source: { name: "busybox" },
        arch: "x86_64",
        licenses: ["GPL-2.0-only AND MIT"],
        purl: "pkg:apk/alpine/ssl_client@1.36.1-r15?arch=x86_64&upstream=busybox&distro=alpine-3.19.1",
        layer: { index: -1, diffID: "", digest: "" },
        foundIn: "",
      },
    ]);
  });

  it("Trivy SPDX: the described container, its digest, the OS and packages with layer and source", () => {
    const inventory = readSbom(json(trivySpdx));
    expect(inventory).toMatchObject({ format: "spdx", specVersion: "SPDX-2.3" });
    expect(inventory.artifact).toEqual({ name: "alpine:3.19", digest: DIGEST });
    expect(inventory.os).toEqual({ family: "alpine", versionId: "3.19.1" });
    expect(inventory.packages).toStrictEqual([
      {
        ecosystem: "apk",
        name: "musl",
        version: "1.2.4_git20230717-r4",
        source: { name: "musl", version: "1.2.4_git20230717-r4" },
        arch: "x86_64",
        licenses: ["MIT"],
        purl: "pkg:apk/alpine/musl@1.2.4_git20230717-r4?arch=x86_64&distro=3.19.1",
        layer: { index: 0, diffID: DIFF0, digest: "" },
        foundIn: "",
      },
    ]);
  });

  it("accepts CycloneDX 1.4, the JSON schema's OPERATING_SYSTEM spelling and SPDX 2.2", () => {
    expect(readSbom(json({ ...syftCycloneDx, specVersion: "1.4" })).packages).toHaveLength(2);
    const underscored = structuredClone(trivySpdx);
    (underscored.packages[1] as { primaryPackagePurpose: string }).primaryPackagePurpose = "OPERATING_SYSTEM";
    expect(readSbom(json({ ...underscored, spdxVersion: "SPDX-2.2" })).os).toEqual({
      family: "alpine",
      versionId: "3.19.1",
    });
  });

  it("maps Trivy's family names to portcullis's", () => {
    const bom = structuredClone(trivyCycloneDx);
    Object.assign(bom.components[1] as object, { name: "redhat", version: "9.3" });
    expect(readSbom(json(bom)).os).toEqual({ family: "rhel", versionId: "9.3" });
  });

  it("warns about libraries it cannot identify, and keeps the rest", () => {
    const bom = {
      ...syftCycloneDx,
      components: [
        ...syftCycloneDx.components,
        { type: "library", name: "mystery", version: "1.0" },
        { type: "library", name: "broken", version: "1.0", purl: "not-a-purl" },
      ],
    };
    const inventory = readSbom(json(bom));
    expect(inventory.packages).toHaveLength(2);
    expect(inventory.warnings).toEqual([
      {
        code: "sbom-component-skipped",
        message: "2 component(s) without a readable package URL were skipped",
      },
    ]);
  });
});

describe("malformed input is a SourceError naming the cause", () => {
  const fails = (bytes: Buffer, message: RegExp) => {
    let caught: unknown;
    try {
      readSbom(bytes);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(SourceError);
    expect((caught as Error).message).toMatch(message);
  };

  it("not JSON, and JSON that is not an object", () => {
    fails(Buffer.from("{ this is not json"), /not valid JSON/);
    fails(Buffer.from(""), /not valid JSON/);
    fails(Buffer.from("[1, 2]"), /not a JSON object/);
    fails(Buffer.from("null"), /not a JSON object/);
  });

  it("JSON that is neither format, or a version not read", () => {
    fails(json({ hello: "world" }), /not a CycloneDX or SPDX JSON document/);
    fails(json({ bomFormat: "CycloneDX", specVersion: "1.2" }), /unsupported CycloneDX specVersion "1.2"/);
    fails(json({ spdxVersion: "SPDX-3.0" }), /unsupported spdxVersion "SPDX-3.0"/);
    fails(Buffer.from('<?xml version="1.0"?><bom xmlns="http://cyclonedx.org/schema/bom/1.6"/>'), /XML/);
    fails(Buffer.from("SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\n"), /tag-value/);
  });

  it("wrong types where the reader looks", () => {
    fails(json({ ...syftCycloneDx, components: "many" }), /malformed CycloneDX document at components/);
    fails(
      json({ ...syftCycloneDx, components: [{ type: "library", name: 42 }] }),
      /malformed CycloneDX document at components\.0\.name/,
    );
    fails(
      json({
        ...syftCycloneDx,
        components: [{ type: "library", name: "x", properties: [{ name: "a", value: 1 }] }],
      }),
      /components\.0\.properties\.0\.value/,
    );
    fails(
      json({ ...trivySpdx, packages: [{ name: "x" }] }),
      /malformed SPDX document at packages\.0\.SPDXID/,
    );
    fails(json({ ...trivySpdx, relationships: {} }), /malformed SPDX document at relationships/);
  });

  it("portcullis properties that do not parse", () => {
    const bom = JSON.parse(writeCycloneDx(everyField));
    const nodejs = bom.components.find((c: { name: string }) => c.name === "nodejs");
    nodejs.properties.find((p: { name: string }) => p.name === "portcullis:epoch").value = "one";
    fails(json(bom), /portcullis:epoch is not a whole number/);
    nodejs.properties = nodejs.properties.filter((p: { name: string }) => p.name !== "portcullis:foundIn");
    fails(json(bom), /portcullis:(epoch|foundIn)/);
  });

  it("over the size cap, and absurdly deep nesting", () => {
    fails(Buffer.alloc(MAX_SBOM_BYTES + 1, 0x20), /over the 67108864-byte limit/);
    expect(() => readSbom(json(syftCycloneDx), { maxBytes: 100 })).toThrow(SourceError);
    // Built as text: JSON.stringify itself would overflow the stack on an object this deep.
    const depth = 50_000;
    const deep = `{"bomFormat":"CycloneDX","specVersion":"1.6","components":[${'{"type":"application","name":"n","components":['.repeat(depth)}${"]}".repeat(depth)}]}`;
    let caught: unknown;
    try {
      readSbom(Buffer.from(deep));
    } catch (err) {
      caught = err;
    }
    // Either it reads (no stack limit hit) or it fails as a SourceError, never as a RangeError.
    if (caught !== undefined) expect(caught).toBeInstanceOf(SourceError);
  });
});
