import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openImageSource } from "../../lib/image/open-image-source.js";
import { writeCycloneDx } from "../../lib/inventory/sbom/cyclonedx-writer.js";
import { DirectoryLayerCache } from "../../lib/layers/layer-cache.js";
import type { Logger } from "../../lib/logger.js";
import { applyPolicy } from "../../lib/policy/apply-policy.js";
import { writeAsff } from "../../lib/report/asff-writer.js";
import { writeMarkdown } from "../../lib/report/markdown-writer.js";
import { writeOpenVex } from "../../lib/report/openvex-writer.js";
import { writeSarif } from "../../lib/report/sarif-writer.js";
import type { ScanReport } from "../../lib/report/scan-report.js";
import { writeTable } from "../../lib/report/table-writer.js";
import { scanImage } from "../../lib/scan.js";
import { writeOciLayout } from "../helpers/oci-builder.js";
import { startRegistry, type TestRegistry } from "../helpers/registry.js";
import { clearValues, type RiskyImage, riskyImage } from "../helpers/risky-image.js";
import { skopeoCopy } from "../helpers/skopeo.js";

/**
 * Secrets and image checks end to end: an image with a key added in one layer and deleted in the
 * next, pushed to the real registry, scanned by reference with the layer cache on disk.
 */
let work: string;
let registry: TestRegistry;
let image: RiskyImage;
let report: ScanReport;
let cacheDir: string;
const logged: string[] = [];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "portcullis-checks-"));
  registry = await startRegistry();
  image = await riskyImage();
  const layout = join(work, "layout");
  await writeOciLayout(layout, { layers: image.layers, config: image.config, tag: "1.0" });
  await skopeoCopy(`oci:${layout}:1.0`, `docker://${registry.host}/shop/api:1.0`);
  cacheDir = join(work, "cache");
  const record = (level: string) => (message: string, fields?: object) =>
    logged.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`);
  const logger: Logger = {
    debug: record("debug"),
    info: record("info"),
    warn: record("warn"),
    error: record("error"),
  };
  const source = await openImageSource(`${registry.host}/shop/api:1.0`, { logger });
  report = await scanImage(source, {
    secrets: true,
    imageConfig: true,
    layerCache: new DirectoryLayerCache(cacheDir),
    logger,
  });
});

afterAll(async () => {
  await registry?.stop();
  await rm(work, { recursive: true, force: true });
});

describe("secrets across layers", () => {
  it("reports the deleted deploy key as removed in the layer that deleted it", () => {
    const key = report.secrets?.find((s) => s.path === "app/deploy/id_rsa");
    expect(key).toMatchObject({
      present: false,
      layer: { index: 1 },
      removedIn: { index: 2 },
      severity: expect.any(String),
    });
    expect(key?.fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it("reports the AWS keys still in the image, masked, with line numbers", () => {
    const env = report.secrets?.filter((s) => s.path === "app/config/.env") ?? [];
    const keyId = env.find((s) => s.ruleId === "aws-access-key-id");
    expect(keyId).toMatchObject({ present: true, line: 3, layer: { index: 1 } });
    expect(keyId?.match.startsWith("AKIA")).toBe(true);
    expect(keyId?.match.slice(4)).toMatch(/^\*+$/);
    expect(env.some((s) => s.line === 4)).toBe(true);
  });

  it("never lets a clear value reach the report, a writer, the layer cache or the log", async () => {
    const outputs = [
      JSON.stringify(report),
      writeTable(report),
      writeSarif(report),
      writeCycloneDx(report),
      writeOpenVex(report),
      writeMarkdown(report),
      writeAsff(report, { accountId: "123456789012", region: "eu-west-1" }),
      logged.join("\n"),
    ];
    for (const file of await readdir(cacheDir, { recursive: true })) {
      const text = await readFile(join(cacheDir, file)).then(
        (b) => b.toString("utf8"),
        () => "",
      );
      outputs.push(text);
    }
    expect(outputs.length).toBeGreaterThan(8);
    for (const clear of clearValues(image.secrets)) {
      for (const output of outputs) expect(output).not.toContain(clear);
    }
  });
});

describe("image configuration and CIS", () => {
  const ids = () => (report.misconfigurations ?? []).map((f) => f.id);

  it("flags root, SSH, the password in ENV and history, the world-writable dir and the apt lists", () => {
    expect(ids()).toEqual(
      expect.arrayContaining([
        "PCIMG-001",
        "PCIMG-002",
        "PCIMG-003",
        "PCIMG-005",
        "PCIMG-008",
        "PCIMG-011",
        "PCIMG-012",
      ]),
    );
    const ports = report.misconfigurations?.find((f) => f.id === "PCIMG-002");
    expect(ports?.evidence?.join(" ")).toContain("22");
    expect(ports?.evidence?.join(" ")).not.toContain("8080");
  });

  it("follows the overlay: passwd lost its setuid bit in the last layer, chfn kept it", () => {
    const setuid = report.misconfigurations?.find((f) => f.id === "PCIMG-010");
    expect(setuid?.evidence?.join("\n")).toContain("usr/bin/chfn");
    expect(setuid?.evidence?.join("\n")).not.toContain("usr/bin/passwd");
  });

  it("fails CIS 4.1 and 4.10 and passes 4.9 (the base rootfs ADD is not counted)", () => {
    const status = Object.fromEntries((report.compliance?.controls ?? []).map((c) => [c.id, c.status]));
    expect(status).toMatchObject({
      "4.1": "fail",
      "4.6": "fail",
      "4.8": "fail",
      "4.9": "pass",
      "4.10": "fail",
    });
    const secretsControl = report.compliance?.controls.find((c) => c.id === "4.10");
    expect(secretsControl?.failedBy).toEqual(expect.arrayContaining(["PCIMG-003", "aws-access-key-id"]));
  });

  it("lets a policy suppress a check with a reason and fail on the secrets", () => {
    const gated = applyPolicy(
      report,
      {
        failOn: "HIGH",
        ignores: [{ id: "PCIMG-001", reason: "runs under a user namespace", source: "ignore-file" }],
      },
      new Date(),
    );
    expect(gated.misconfigurations?.map((f) => f.id)).not.toContain("PCIMG-001");
    expect(gated.policy?.suppressed).toEqual([
      expect.objectContaining({
        kind: "misconfiguration",
        suppression: expect.objectContaining({ reason: "runs under a user namespace" }),
      }),
    ]);
    expect(gated.policy?.result).toBe("fail");
    expect(gated.policy?.failures.join(" ")).toMatch(/secret/);
  });
});
