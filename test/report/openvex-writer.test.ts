import { describe, expect, it } from "vitest";
import { OPENVEX_CONTEXT, writeOpenVex } from "../../lib/report/openvex-writer.js";
import { DIGEST, leaksSecret, sampleReport } from "./report-factory.js";
import { openVex020Validator, schemaErrors } from "./schema-validators.js";

interface Statement {
  vulnerability: { name: string; aliases?: string[] };
  products: Array<{
    "@id": string;
    identifiers?: { purl: string };
    subcomponents?: Array<{ "@id": string }>;
  }>;
  status: string;
  justification?: string;
  impact_statement?: string;
  action_statement?: string;
  status_notes?: string;
}
interface Doc {
  "@context": string;
  "@id": string;
  author: string;
  timestamp: string;
  version: number;
  statements: Statement[];
}

const IMAGE_PURL = `pkg:oci/api@${DIGEST}?arch=amd64&repository_url=123456789012.dkr.ecr.eu-west-1.amazonaws.com%2Fshop%2Fapi&tag=1.4.2`;

const docOf = (report = sampleReport()) => JSON.parse(writeOpenVex(report)) as Doc;
const statement = (doc: Doc, id: string) => doc.statements.find((s) => s.vulnerability.name === id);

describe("writeOpenVex", () => {
  it("validates against the OpenVEX 0.2.0 JSON schema", () => {
    const validate = openVex020Validator();
    const valid = validate(docOf());
    expect(schemaErrors(validate)).toEqual([]);
    expect(valid).toBe(true);
  });

  it("the schema check can fail: an affected statement needs an action statement", () => {
    const doc = docOf();
    const affected = doc.statements.find((s) => s.status === "affected");
    if (affected) delete affected.action_statement;
    expect(openVex020Validator()(doc)).toBe(false);
  });

  it("has the v0.2.0 context, a stable document id, author, timestamp and version", () => {
    const doc = docOf();
    expect(doc).toMatchObject({
      "@context": OPENVEX_CONTEXT,
      author: "portcullis",
      timestamp: "2024-05-01T12:34:56.789Z",
      version: 1,
    });
    expect(doc["@id"]).toMatch(
      /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(docOf()["@id"]).toBe(doc["@id"]);
    expect(docOf(sampleReport({ createdAt: "2025-01-01T00:00:00Z" }))["@id"]).not.toBe(doc["@id"]);
    expect(JSON.parse(writeOpenVex(sampleReport(), { author: "Shop security team" })).author).toBe(
      "Shop security team",
    );
  });

  it("states each vulnerability of each package against the image purl pinned by digest", () => {
    const s = statement(docOf(), "CVE-2024-0727");
    expect(s?.products).toEqual([
      {
        "@id": IMAGE_PURL,
        identifiers: { purl: IMAGE_PURL },
        subcomponents: [
          {
            "@id": "pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12",
            identifiers: { purl: "pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12" },
          },
        ],
      },
    ]);
    expect(s).toMatchObject({
      status: "affected",
      action_statement: "Upgrade openssl from 3.0.11-1~deb12u2 to 3.0.13-1~deb12u1.",
    });
    expect(statement(docOf(), "GHSA-35jh-r3h4-6jhm")?.vulnerability.aliases).toEqual(["CVE-2021-23337"]);
    expect(statement(docOf(), "CVE-2023-45853")?.action_statement).toMatch(/will not fix/);
  });

  it("turns VEX and ignore suppressions into not_affected, thresholds stay affected", () => {
    const doc = docOf();
    expect(statement(doc, "CVE-2023-5678")).toMatchObject({
      status: "not_affected",
      justification: "vulnerable_code_not_in_execute_path",
    });
    expect(statement(doc, "CVE-2023-5678")?.impact_statement).toBeUndefined();
    expect(statement(doc, "CVE-2022-37434")).toMatchObject({
      status: "not_affected",
      impact_statement: "inflateGetHeader is never called",
      status_notes: "Suppressed by ignore-file (.portcullisignore.yaml), until 2030-01-01",
    });
    expect(statement(doc, "CVE-2023-6129")).toMatchObject({
      status: "affected",
      status_notes: "Suppressed by severity: below HIGH",
    });
  });

  it("writes one statement for a package found twice", () => {
    const report = sampleReport();
    const twice = sampleReport({
      vulnerabilities: [...(report.vulnerabilities ?? []), ...(report.vulnerabilities ?? [])],
    });
    expect(docOf(twice).statements.length).toBe(docOf(report).statements.length);
    expect(leaksSecret(writeOpenVex(report))).toBe(false);
  });
});
