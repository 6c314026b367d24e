import { execFile, execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeOciLayout } from "../helpers/oci-builder.js";
import { clearValues, type RiskyImage, riskyImage } from "../helpers/risky-image.js";

/** The policy gate as CI pipelines use it: the compiled CLI, its exit codes and its outputs. */
const root = fileURLToPath(new URL("../..", import.meta.url));
const cli = join(root, "dist/cli/main.js");
let work: string;
let image: string;
let risky: RiskyImage;

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function portcullis(args: string[], cwd = work): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [cli, ...args],
      {
        cwd,
        env: { ...process.env, XDG_CACHE_HOME: join(work, "cache"), DOCKER_CONFIG: join(work, "docker") },
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const scan = (...args: string[]) => portcullis(["scan", image, "--skip-db", ...args]);

beforeAll(async () => {
  execFileSync("npm", ["run", "--silent", "build"], { cwd: root, stdio: "inherit" });
  work = await mkdtemp(join(tmpdir(), "portcullis-policy-cli-"));
  risky = await riskyImage();
  await writeOciLayout(join(work, "image"), { layers: risky.layers, config: risky.config, tag: "1.0" });
  image = `oci:${join(work, "image")}:1.0`;
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe("portcullis scan: checks and policy", () => {
  it("finds secrets and misconfigurations by default and exits 0 without a gate", async () => {
    const result = await scan("-f", "json");
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.secrets.length).toBeGreaterThanOrEqual(3);
    expect(report.misconfigurations.map((f: { id: string }) => f.id)).toContain("PCIMG-001");
    expect(report.compliance.controls).toHaveLength(6);
    expect(report.policy).toBeUndefined();
    for (const clear of clearValues(risky.secrets)) expect(result.stdout).not.toContain(clear);
  });

  it("--scanners vuln leaves secrets and configuration out", async () => {
    const report = JSON.parse((await scan("-f", "json", "--scanners", "vuln")).stdout);
    expect(report.secrets).toBeUndefined();
    expect(report.misconfigurations).toBeUndefined();
  });

  it("exits 1 when --fail-on finds a finding at or above the severity, and says why", async () => {
    const result = await scan("--fail-on", "high");
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^portcullis: policy failed: .*secret/m);
    // The report is still written.
    expect(result.stdout).toContain("Image configuration");
  });

  it("exits 0 when the ignore file covers the only CRITICAL finding, and records why", async () => {
    const file = join(work, "ignore-current.yaml");
    await writeFile(
      file,
      "ignore:\n  - id: aws-secret-access-key\n    path: app/config/*\n    reason: rotated on 2026-11-20\n    expires: 2099-01-01\n",
    );
    const result = await scan("--fail-on", "CRITICAL", "--ignorefile", file, "-f", "json");
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.policy.result).toBe("pass");
    expect(report.policy.suppressed).toEqual([
      expect.objectContaining({
        kind: "secret",
        suppression: expect.objectContaining({ source: "ignore-file", reason: "rotated on 2026-11-20" }),
      }),
    ]);
  });

  it("stops applying an expired entry, reports it and fails the gate", async () => {
    const file = join(work, "ignore-expired.yaml");
    await writeFile(
      file,
      "ignore:\n  - id: aws-secret-access-key\n    reason: temporary\n    expires: 2020-01-31\n",
    );
    const result = await scan("--fail-on", "CRITICAL", "--ignorefile", file, "-f", "json");
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.policy.expiredIgnores).toEqual([
      expect.objectContaining({ id: "aws-secret-access-key", expires: "2020-01-31" }),
    ]);
    expect(report.policy.suppressed).toEqual([]);
  });

  it("reads .portcullisignore.yaml from the working directory unless --no-ignorefile", async () => {
    const dir = await mkdtemp(join(work, "project-"));
    await writeFile(
      join(dir, ".portcullisignore.yaml"),
      "ignore:\n  - id: aws-secret-access-key\n    reason: test\n",
    );
    const args = ["scan", image, "--skip-db", "--fail-on", "CRITICAL"];
    expect((await portcullis(args, dir)).code).toBe(0);
    expect((await portcullis([...args, "--no-ignorefile"], dir)).code).toBe(1);
  });

  it("exits 2 with one line naming the file for a malformed ignore file", async () => {
    const file = join(work, "bad.yaml");
    await writeFile(file, "ignore:\n  - reason: no id here\n");
    const result = await scan("--ignorefile", file);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toContain("bad.yaml");
  });

  it("exits 2 for an unknown severity", async () => {
    const result = await scan("--fail-on", "SEVERE");
    expect(result.code).toBe(2);
  });

  it("writes SARIF, Markdown, OpenVEX and ASFF", async () => {
    const sarif = JSON.parse((await scan("-f", "sarif")).stdout);
    expect(sarif.version).toBe("2.1.0");
    expect(sarif.runs[0].results.length).toBeGreaterThan(5);
    expect((await scan("-f", "markdown")).stdout).toMatch(/^#/);
    expect(JSON.parse((await scan("-f", "openvex")).stdout)["@context"]).toBe(
      "https://openvex.dev/ns/v0.2.0",
    );
    const outside = await scan("-f", "asff");
    expect(outside.code).toBe(2);
    expect(outside.stderr).toContain("--aws-account-id");
    const asff = await scan("-f", "asff", "--aws-account-id", "123456789012", "--aws-region", "eu-west-1");
    expect(asff.code).toBe(0);
    expect(JSON.parse(asff.stdout).Findings[0].AwsAccountId).toBe("123456789012");
  });
});
