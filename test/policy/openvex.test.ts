import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { applyPolicy } from "../../lib/policy/apply-policy.js";
import { loadVexDocuments, parseVexDocument, type VexStatementSet } from "../../lib/policy/openvex.js";
import { PolicyError } from "../../lib/policy/policy-error.js";
import { IMAGE_DIGEST, rapidReset, report, vuln } from "./scan-report-factory.js";

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/policy/${name}`, import.meta.url));
const NOW = new Date("2024-06-01T00:00:00Z");
const awk = () => vuln("CVE-2023-42363", "MEDIUM", { aliases: ["ALPINE-CVE-2023-42363", "CVE-2023-42363"] });

function vexError(doc: unknown): PolicyError {
  try {
    parseVexDocument(typeof doc === "string" ? doc : JSON.stringify(doc), "bad.openvex.json");
  } catch (err) {
    expect(err).toBeInstanceOf(PolicyError);
    return err as PolicyError;
  }
  throw new Error("expected parseVexDocument to throw");
}

const minimal = (statement: Record<string, unknown>) => ({
  "@context": "https://openvex.dev/ns/v0.2.0",
  "@id": "https://vex.example.com/x",
  author: "someone",
  timestamp: "2024-01-01T00:00:00Z",
  version: 1,
  statements: [{ vulnerability: { name: "CVE-2024-1" }, products: [{ "@id": "pkg:npm/a@1" }], ...statement }],
});

describe("parseVexDocument", () => {
  it("reads a v0.2.0 document, with statement timestamps overriding the document's", () => {
    const path = fixture("not-affected.openvex.json");
    const statements = parseVexDocument(readFileSync(path, "utf8"), path);
    expect(statements).toHaveLength(3);
    expect(statements[0]).toEqual({
      vulnerability: {
        name: "CVE-2023-42363",
        id: "https://nvd.nist.gov/vuln/detail/CVE-2023-42363",
        aliases: ["ALPINE-CVE-2023-42363"],
      },
      products: [
        {
          id: expect.stringMatching(/^pkg:oci\/payments-api@sha256%3A346a71a2/),
          subcomponents: [{ id: "pkg:apk/alpine/busybox@1.36.1-r15?arch=x86_64" }],
        },
      ],
      status: "not_affected",
      justification: "vulnerable_code_not_in_execute_path",
      impactStatement: "awk is never invoked by the service",
      timestamp: "2024-03-01T09:00:00Z",
      origin: path,
      documentId: "https://vex.example.com/payments-api/vex-2024-001",
    });
    expect(statements[1]?.timestamp).toBe("2024-03-02T10:00:00Z");
    expect(statements[1]?.products).toEqual([
      { purl: "pkg:golang/golang.org/x/net@v0.15.0", subcomponents: [] },
    ]);
  });

  it("reads the pre-v0.2.0 form with string vulnerability, products and subcomponents", () => {
    const path = fixture("legacy-form.openvex.json");
    const [statement] = parseVexDocument(readFileSync(path, "utf8"), path);
    expect(statement?.vulnerability).toEqual({ name: "CVE-2023-42363", aliases: [] });
    expect(statement?.products).toEqual([
      {
        id: `pkg:oci/payments-api@${IMAGE_DIGEST}`,
        subcomponents: [
          { id: "pkg:apk/alpine/busybox@1.36.1-r15?arch=x86_64" },
          { id: "pkg:apk/alpine/busybox@1.36.1-r15?arch=aarch64" },
        ],
      },
    ]);
    expect(statement?.timestamp).toBe("2023-01-09T21:23:03.579712389-06:00");
  });

  it("rejects malformed documents with the file and the field at fault", () => {
    expect(vexError("{").message).toMatch(/^bad\.openvex\.json: not valid JSON: /);
    expect(vexError({ statements: [] }).message).toBe(
      'bad.openvex.json: not an OpenVEX document (no "@context")',
    );
    expect(
      vexError({ ...minimal({ status: "fixed" }), "@context": "https://cyclonedx.org" }).message,
    ).toContain("at @context: must be an OpenVEX context");
    expect(vexError(minimal({ status: "exploitable" })).message).toMatch(
      /^bad\.openvex\.json: malformed OpenVEX document at statements\[0\]\.status: /,
    );
    expect(vexError(minimal({ status: "not_affected" })).message).toContain(
      "a not_affected statement needs a justification or an impact_statement",
    );
    expect(vexError(minimal({ status: "not_affected", justification: "trust_me" })).message).toContain(
      "statements[0].justification",
    );
    expect(vexError(minimal({ status: "fixed", timestamp: "yesterday" })).message).toContain(
      "statements[0].timestamp: must be an ISO date-time with a zone",
    );
    expect(vexError(minimal({ status: "fixed", vulnerability: {} })).message).toContain(
      "statements[0].vulnerability",
    );
  });

  it("names a missing file", async () => {
    await expect(loadVexDocuments(["/nonexistent/a.openvex.json"])).rejects.toThrow(
      "/nonexistent/a.openvex.json: cannot read VEX document: no such file",
    );
  });
});

describe("VEX suppression", () => {
  it("suppresses a not_affected finding with the justification as the reason", async () => {
    const vex = await loadVexDocuments([fixture("not-affected.openvex.json")]);
    const out = applyPolicy(report({ vulnerabilities: [awk()] }), { vex, failOn: "LOW" }, NOW);
    expect(out.vulnerabilities).toEqual([]);
    expect(out.policy?.result).toBe("pass");
    expect(out.policy?.suppressed[0]?.suppression).toEqual({
      source: "vex",
      reason: "vulnerable_code_not_in_execute_path: awk is never invoked by the service",
      origin: fixture("not-affected.openvex.json"),
    });
  });

  it("suppresses a fixed statement whose product is the package itself, matched through an alias", async () => {
    const vex = await loadVexDocuments([fixture("not-affected.openvex.json")]);
    const out = applyPolicy(report({ vulnerabilities: [rapidReset()] }), { vex }, NOW);
    expect(out.policy?.suppressed[0]?.suppression).toMatchObject({ source: "vex", reason: "fixed" });
  });

  it("lets a later affected statement win over an earlier not_affected", async () => {
    // Read last as well as latest, so reading order alone cannot decide this.
    const vex = await loadVexDocuments([
      fixture("not-affected.openvex.json"),
      fixture("later-affected.openvex.json"),
    ]);
    const out = applyPolicy(report({ vulnerabilities: [awk()] }), { vex }, NOW);
    expect(out.vulnerabilities?.map((f) => f.id)).toEqual(["CVE-2023-42363"]);
    expect(out.policy?.suppressed).toEqual([]);
  });

  it("lets the later statement win in either direction, whatever the reading order", () => {
    const [older, newer] = ["2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z"];
    const statement = (status: "affected" | "not_affected", timestamp: string) => ({
      vulnerability: { name: "CVE-2023-42363", aliases: [] },
      products: [{ id: IMAGE_DIGEST, subcomponents: [] }],
      status,
      justification: "inline_mitigations_already_exist",
      timestamp,
      origin: "x.json",
    });
    const vex: VexStatementSet = {
      statements: [statement("not_affected", newer), statement("affected", older)],
    };
    const out = applyPolicy(report({ vulnerabilities: [awk()] }), { vex }, NOW);
    expect(out.vulnerabilities).toEqual([]);
  });

  it("does not suppress when the product is another image or another package version", async () => {
    const vex = await loadVexDocuments([fixture("other-image.openvex.json")]);
    const out = applyPolicy(report({ vulnerabilities: [awk()] }), { vex }, NOW);
    expect(out.vulnerabilities).toHaveLength(1);
  });

  it("does not suppress when the subcomponent is not the finding's package", async () => {
    const vex = await loadVexDocuments([fixture("not-affected.openvex.json")]);
    const other = vuln("CVE-2023-42363", "MEDIUM", {
      package: { name: "busybox-extras", purl: "pkg:apk/alpine/busybox-extras@1.36.1-r15?arch=x86_64" },
    });
    expect(applyPolicy(report({ vulnerabilities: [other] }), { vex }, NOW).vulnerabilities).toEqual([other]);
  });

  it("does not suppress under_investigation", async () => {
    const vex = await loadVexDocuments([fixture("not-affected.openvex.json")]);
    const libcrypto = vuln("CVE-2024-0727", "MEDIUM", {
      package: { name: "libcrypto3", purl: "pkg:apk/alpine/libcrypto3@3.1.4-r2?arch=x86_64" },
    });
    expect(applyPolicy(report({ vulnerabilities: [libcrypto] }), { vex }, NOW).vulnerabilities).toHaveLength(
      1,
    );
  });

  it("matches the legacy form's image purl and statement-level subcomponents", async () => {
    const vex = await loadVexDocuments([fixture("legacy-form.openvex.json")]);
    const out = applyPolicy(report({ vulnerabilities: [awk()] }), { vex }, NOW);
    expect(out.policy?.suppressed[0]?.suppression.reason).toBe("component_not_present");
  });

  it("matches the image by reference, by index digest, and not by another tag", () => {
    const byProduct = (id: string): VexStatementSet => ({
      statements: [
        {
          vulnerability: { name: "CVE-2023-42363", aliases: [] },
          products: [{ id, subcomponents: [] }],
          status: "not_affected",
          justification: "vulnerable_code_not_present",
          origin: "x.json",
        },
      ],
    });
    const indexDigest = `sha256:${"b".repeat(64)}`;
    const scan = report({ vulnerabilities: [awk()] }, { indexDigest });
    const suppressedBy = (id: string) =>
      applyPolicy(scan, { vex: byProduct(id) }, NOW).vulnerabilities?.length === 0;
    const repo = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/payments-api";
    expect(suppressedBy(repo)).toBe(true);
    expect(suppressedBy(`${repo}:1.4.2`)).toBe(true);
    expect(suppressedBy(`${repo}:1.4.3`)).toBe(false);
    expect(suppressedBy(`${repo}@${indexDigest}`)).toBe(true);
    expect(suppressedBy(indexDigest)).toBe(true);
    expect(suppressedBy(`pkg:oci/payments-api@${indexDigest}`)).toBe(true);
    expect(suppressedBy("pkg:oci/payments-api")).toBe(true);
    expect(suppressedBy("123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/billing")).toBe(false);
    expect(suppressedBy(`sha256:${"c".repeat(64)}`)).toBe(false);
  });
});
