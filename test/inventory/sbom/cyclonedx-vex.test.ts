import { describe, expect, it } from "vitest";
import { writeCycloneDx } from "../../../lib/inventory/sbom/cyclonedx-writer.js";
import { leaksSecret, sampleReport } from "../../report/report-factory.js";
import { cyclonedx16Validator, schemaErrors } from "./schema-validators.js";

interface Vulnerability {
  "bom-ref": string;
  id: string;
  source: { name: string; url: string };
  references?: Array<{ id: string }>;
  ratings?: Array<{
    severity: string;
    score?: number;
    method?: string;
    vector?: string;
    source?: { name: string };
  }>;
  description?: string;
  recommendation?: string;
  advisories?: Array<{ url: string }>;
  analysis?: { state?: string; justification?: string; response?: string[]; detail?: string };
  affects: Array<{ ref: string }>;
  properties?: Array<{ name: string; value: string }>;
}
interface Bom {
  components: Array<{ "bom-ref": string; name: string }>;
  vulnerabilities?: Vulnerability[];
}

const bomOf = (report = sampleReport()) => JSON.parse(writeCycloneDx(report)) as Bom;
const find = (bom: Bom, id: string) => bom.vulnerabilities?.find((v) => v.id === id);

describe("writeCycloneDx vulnerabilities (VEX)", () => {
  it("validates against the CycloneDX 1.6 schema with vulnerabilities, suppressions and hostile names", () => {
    const validate = cyclonedx16Validator();
    const valid = validate(bomOf());
    expect(schemaErrors(validate)).toEqual([]);
    expect(valid).toBe(true);
  });

  it("the schema check can fail: an unknown analysis state is rejected", () => {
    const bom = bomOf();
    const first = bom.vulnerabilities?.[0];
    if (first) first.analysis = { state: "probably_fine" };
    expect(cyclonedx16Validator()(bom)).toBe(false);
  });

  it("writes no vulnerabilities array for a report that was not matched against a DB", () => {
    expect(
      bomOf(sampleReport({ vulnerabilities: undefined, policy: undefined })).vulnerabilities,
    ).toBeUndefined();
    expect(bomOf(sampleReport({ vulnerabilities: [], policy: undefined })).vulnerabilities).toEqual([]);
  });

  it("rates, sources and links each vulnerability, and points affects at the package components", () => {
    const bom = bomOf();
    const openssl = bom.components.find((c) => c.name === "openssl");
    const v = find(bom, "CVE-2024-0727");
    expect(v).toMatchObject({
      source: { name: "NVD", url: "https://nvd.nist.gov/vuln/detail/CVE-2024-0727" },
      ratings: [
        {
          source: { name: "nvd" },
          score: 5.5,
          severity: "medium",
          method: "CVSSv31",
          vector: "CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:N/I:N/A:H",
        },
      ],
      description: "PKCS12 Decoding crashes",
      recommendation: "Upgrade openssl 3.0.11-1~deb12u2 to 3.0.13-1~deb12u1.",
      advisories: [{ url: "https://www.openssl.org/news/secadv/20240125.txt" }],
      analysis: { response: ["update"] },
      affects: [{ ref: openssl?.["bom-ref"] }],
    });
    expect(v?.analysis?.state).toBeUndefined();
    expect(v?.properties).toEqual(
      expect.arrayContaining([
        { name: "portcullis:epss:probability", value: "0.00043" },
        { name: "portcullis:status", value: "fixed" },
      ]),
    );
    const lodash = find(bom, "GHSA-35jh-r3h4-6jhm");
    expect(lodash?.source.name).toBe("GitHub");
    expect(lodash?.references).toEqual([
      { id: "CVE-2021-23337", source: expect.objectContaining({ name: "NVD" }) },
    ]);
    expect(lodash?.properties).toContainEqual({ name: "portcullis:kev", value: "true" });
    expect(find(bom, "CVE-2023-45853")?.analysis).toEqual({ response: ["will_not_fix"] });
    const refs = new Set(bom.components.map((c) => c["bom-ref"]));
    for (const vuln of bom.vulnerabilities ?? [])
      for (const a of vuln.affects) expect(refs.has(a.ref)).toBe(true);
  });

  it("carries suppressed findings with the suppression as analysis", () => {
    const bom = bomOf();
    expect(find(bom, "CVE-2023-5678")?.analysis).toEqual({
      state: "not_affected",
      justification: "code_not_reachable",
      detail: "Suppressed by vex (vex/openssl.json): vulnerable_code_not_in_execute_path",
    });
    expect(find(bom, "CVE-2022-37434")?.analysis).toMatchObject({
      state: "not_affected",
      detail: expect.stringContaining("inflateGetHeader is never called, until 2030-01-01"),
    });
    // A severity threshold is no verdict on exploitability.
    expect(find(bom, "CVE-2023-6129")?.analysis?.state).toBe("in_triage");
  });

  it("keeps bom-refs unique across components and vulnerabilities", () => {
    const bom = bomOf();
    const refs = [
      ...bom.components.map((c) => c["bom-ref"]),
      ...(bom.vulnerabilities ?? []).map((v) => v["bom-ref"]),
    ];
    expect(new Set(refs).size).toBe(refs.length);
    expect(leaksSecret(JSON.stringify(bom))).toBe(false);
  });
});
