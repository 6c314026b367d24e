import { execFile, execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Package } from "../../lib/inventory/package.js";
import { writeOciLayout } from "../helpers/oci-builder.js";
import { ubuntuSample } from "../helpers/sample-images.js";
import { cyclonedx16Validator, schemaErrors, spdx23Validator } from "../inventory/sbom/schema-validators.js";

/**
 * `portcullis sbom` and `portcullis scan sbom:<file>` as users run them: the compiled CLI in a
 * child process. The CLI is compiled into its own directory (under node_modules/.cache, so that
 * packages still resolve) rather than dist/, which scan-command.test.ts rebuilds in parallel.
 */
const root = fileURLToPath(new URL("../..", import.meta.url));
const outDir = join(root, "node_modules", ".cache", "portcullis-sbom-cli-test");
const cli = join(outDir, "cli/main.js");
let work: string;
let layout: string;
let image: string;

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function portcullis(args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [cli, ...args],
      {
        env: { ...process.env, XDG_CACHE_HOME: join(work, "cache"), DOCKER_CONFIG: join(work, "docker") },
        maxBuffer: 64 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const packagesOf = (result: CliResult): Package[] =>
  (JSON.parse(result.stdout) as { packages: Package[] }).packages;

beforeAll(async () => {
  execFileSync(
    process.execPath,
    [join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json", "--outDir", outDir],
    {
      cwd: root,
      stdio: "inherit",
    },
  );
  work = await mkdtemp(join(tmpdir(), "portcullis-sbom-cli-"));
  layout = join(work, "ubuntu");
  const sample = await ubuntuSample();
  await writeOciLayout(layout, { layers: sample.layers, tag: "18.04" });
  image = `oci:${layout}:18.04`;
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
  await rm(outDir, { recursive: true, force: true });
});

describe("portcullis sbom", () => {
  it("prints a valid CycloneDX 1.6 BOM by default", async () => {
    const result = await portcullis(["sbom", image]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const bom = JSON.parse(result.stdout);
    const validate = cyclonedx16Validator();
    expect(validate(bom), schemaErrors(validate).join("\n")).toBe(true);
    expect(bom.metadata.component).toMatchObject({ type: "container", name: image });
    expect(bom.components.filter((c: { type: string }) => c.type === "library")).toHaveLength(89);
    expect(bom.components.find((c: { name: string }) => c.name === "bsdutils").purl).toBe(
      "pkg:deb/ubuntu/bsdutils@1:2.31.1-0.4ubuntu3.1?arch=amd64&distro=ubuntu-18.04",
    );
  });

  it("writes a valid SPDX 2.3 document with --format spdx -o", async () => {
    const out = join(work, "image.spdx.json");
    const result = await portcullis(["sbom", image, "--format", "spdx", "-o", out]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("");
    const doc = JSON.parse(await readFile(out, "utf8"));
    const validate = spdx23Validator();
    expect(validate(doc), schemaErrors(validate).join("\n")).toBe(true);
    expect(doc.packages).toHaveLength(89 + 2);
  });

  it("rejects a format that is not an SBOM", async () => {
    const result = await portcullis(["sbom", image, "--format", "table"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/table/);
  });

  it("converts an SBOM given as sbom:<file>", async () => {
    const cdx = join(work, "convert.cdx.json");
    await portcullis(["sbom", image, "-o", cdx]);
    const result = await portcullis(["sbom", `sbom:${cdx}`, "-f", "spdx"]);
    expect(result.code).toBe(0);
    expect(spdx23Validator()(JSON.parse(result.stdout))).toBe(true);
  });
});

describe("portcullis scan sbom:<file>", () => {
  it.each(["cyclonedx", "spdx"])(
    "reads a %s SBOM to the same packages as scanning the image",
    async (format) => {
      const file = join(work, `image.${format}.json`);
      expect((await portcullis(["sbom", image, "-f", format, "-o", file])).code).toBe(0);
      const fromImage = await portcullis(["scan", image, "-f", "json", "--no-cache"]);
      const fromSbom = await portcullis(["scan", `sbom:${file}`, "-f", "json", "--skip-db"]);
      expect(fromSbom.stderr).toBe("");
      expect(fromSbom.code).toBe(0);
      expect(packagesOf(fromSbom)).toEqual(packagesOf(fromImage));
      const report = JSON.parse(fromSbom.stdout);
      expect(report.artifact).toMatchObject({ name: image, source: "sbom", layers: [] });
      expect(report.os).toEqual(JSON.parse(fromImage.stdout).os);
    },
  );

  it("the scan command writes SBOMs too: -f cyclonedx and -f spdx", async () => {
    const cdx = await portcullis(["scan", image, "-f", "cyclonedx"]);
    expect(cdx.code).toBe(0);
    expect(cyclonedx16Validator()(JSON.parse(cdx.stdout))).toBe(true);
    const spdx = await portcullis(["scan", image, "-f", "spdx"]);
    expect(spdx.code).toBe(0);
    expect(spdx23Validator()(JSON.parse(spdx.stdout))).toBe(true);
  });

  it("prints a table for an SBOM", async () => {
    const file = join(work, "table.cdx.json");
    await portcullis(["sbom", image, "-o", file]);
    const result = await portcullis(["scan", `sbom:${file}`]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("(sbom)");
    expect(result.stdout).toContain("deb packages (89)");
  });

  it("fails cleanly on a missing or malformed SBOM", async () => {
    const missing = `sbom:${join(work, "nope.json")}`;
    const gone = await portcullis(["scan", missing]);
    expect(gone.code).toBe(2);
    expect(gone.stderr.trim().split("\n")).toEqual([
      `portcullis: ${missing}: cannot read SBOM ${join(work, "nope.json")}: no such file`,
    ]);

    const junkFile = join(work, "junk.json");
    await writeFile(junkFile, JSON.stringify({ hello: "world" }));
    const junk = await portcullis(["scan", `sbom:${junkFile}`]);
    expect(junk.code).toBe(2);
    const lines = junk.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`portcullis: sbom:${junkFile}: not a CycloneDX or SPDX JSON document`);
    expect(junk.stderr).not.toMatch(/\n\s+at /);
  });
});
