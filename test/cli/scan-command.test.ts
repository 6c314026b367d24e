import { execFile, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildLayer, writeOciLayout } from "../helpers/oci-builder.js";
import { startRegistry, type TestRegistry } from "../helpers/registry.js";
import { ubuntuSample } from "../helpers/sample-images.js";

/** The `portcullis scan` command as users run it: the compiled CLI in a child process. */
const root = fileURLToPath(new URL("../..", import.meta.url));
const cli = join(root, "dist/cli/main.js");
let work: string;
let layout: string;
let registry: TestRegistry;

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function portcullis(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [cli, ...args],
      {
        env: {
          ...process.env,
          XDG_CACHE_HOME: join(work, "cache"),
          DOCKER_CONFIG: join(work, "docker"),
          ...env,
        },
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Expected failures: exit code 2, one line naming the image and the cause, no stack trace. */
function expectCleanError(result: CliResult, image: string, cause: RegExp): void {
  expect(result.code).toBe(2);
  const lines = result.stderr.trim().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain(`portcullis: ${image}: `);
  expect(lines[0]).toMatch(cause);
  expect(lines[0]).not.toContain(`${image}: ${image}`);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

/** Points the layout's only index entry at new manifest bytes, keeping its digest honest. */
async function replaceManifest(dir: string, edit: (manifest: Buffer) => Buffer): Promise<void> {
  const index = JSON.parse(await readFile(join(dir, "index.json"), "utf8"));
  const old = await readFile(join(dir, "blobs", "sha256", index.manifests[0].digest.slice("sha256:".length)));
  const bytes = edit(old);
  const hex = createHash("sha256").update(bytes).digest("hex");
  await writeFile(join(dir, "blobs", "sha256", hex), bytes);
  index.manifests[0].digest = `sha256:${hex}`;
  index.manifests[0].size = bytes.length;
  await writeFile(join(dir, "index.json"), JSON.stringify(index));
}

beforeAll(async () => {
  execFileSync("npm", ["run", "--silent", "build"], { cwd: root, stdio: "inherit" });
  work = await mkdtemp(join(tmpdir(), "portcullis-cli-"));
  layout = join(work, "ubuntu");
  const sample = await ubuntuSample();
  await writeOciLayout(layout, { layers: sample.layers, tag: "18.04" });
  registry = await startRegistry();
});

afterAll(async () => {
  await registry?.stop();
  await rm(work, { recursive: true, force: true });
});

describe("portcullis scan", () => {
  it("prints a table with the OS, packages by ecosystem and layers", async () => {
    const result = await portcullis(["scan", `oci:${layout}:18.04`]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("OS:        Ubuntu 18.04.6 LTS");
    expect(result.stdout).toContain("End of life: security support ended 2023-05-31");
    expect(result.stdout).toMatch(/Layers:\s+3,/);
    expect(result.stdout).toContain("deb packages (89)");
    expect(result.stdout).toMatch(
      /^\s+bsdutils\s+1:2\.31\.1-0\.4ubuntu3\.1\s+util-linux 2\.31\.1-0\.4ubuntu3\.1\s+0$/m,
    );
    // Not a terminal: no progress bar, no colours; without a DB, one line saying how to get one.
    expect(result.stderr).toBe(
      "portcullis: no vulnerability DB yet; run `portcullis db update` (or `portcullis db build --source <path>`); listing packages only\n",
    );
    expect(result.stdout).not.toContain("\u001b[");
  });

  it("writes the JSON report to a file", async () => {
    const out = join(work, "report.json");
    const result = await portcullis(["scan", `oci:${layout}:18.04`, "--format", "json", "--output", out]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("");
    const report = JSON.parse(await readFile(out, "utf8"));
    expect(report.schemaVersion).toBe(1);
    expect(report.artifact.source).toBe("oci-layout");
    expect(report.os.family).toBe("ubuntu");
    expect(report.packages).toHaveLength(89);
  });

  it("caches layer results between runs unless --no-cache", async () => {
    const first = await portcullis(["scan", `oci:${layout}:18.04`, "-f", "json"]);
    const second = await portcullis(["scan", `oci:${layout}:18.04`, "-f", "json"]);
    const uncached = await portcullis(["scan", `oci:${layout}:18.04`, "-f", "json", "--no-cache"]);
    const cachedFlags = (r: CliResult) =>
      JSON.parse(r.stdout).artifact.layers.map((l: { cached: boolean }) => l.cached);
    expect(cachedFlags(second)).toEqual([true, true, true]);
    expect(cachedFlags(uncached)).toEqual([false, false, false]);
    expect(JSON.parse(second.stdout).packages).toEqual(JSON.parse(first.stdout).packages);
    expect((await readdir(join(work, "cache", "portcullis", "layers"))).length).toBeGreaterThanOrEqual(3);
  });

  it("fails cleanly on a missing OCI layout", async () => {
    const image = `oci:${join(work, "nope")}`;
    expectCleanError(await portcullis(["scan", image]), image, /./);
  });

  it("fails cleanly on a layer whose bytes do not match its digest", async () => {
    const tampered = join(work, "tampered");
    const layer = await buildLayer([{ path: "etc/os-release", content: "ID=alpine\n" }], "gzip");
    await writeOciLayout(tampered, { layers: [layer], tag: "t" });
    const blob = join(tampered, "blobs", "sha256", layer.digest.slice("sha256:".length));
    const bytes = await readFile(blob);
    bytes[bytes.length - 20] = (bytes[bytes.length - 20] ?? 0) ^ 0xff;
    await writeFile(blob, bytes);
    expectCleanError(
      await portcullis(["scan", `oci:${tampered}:t`]),
      `oci:${tampered}:t`,
      /digest|not a readable/,
    );
  });

  it("fails cleanly on a malformed manifest", async () => {
    const broken = join(work, "broken");
    await writeOciLayout(broken, { layers: [await buildLayer([], "gzip")], tag: "t" });
    await replaceManifest(broken, () => Buffer.from("{ this is not json"));
    expectCleanError(await portcullis(["scan", `oci:${broken}:t`]), `oci:${broken}:t`, /manifest|JSON/i);
  });

  it("fails cleanly on an artifact that is not a container image", async () => {
    const helm = join(work, "helm");
    await writeOciLayout(helm, {
      layers: [await buildLayer([], "gzip")],
      tag: "chart",
      config: {},
    });
    await replaceManifest(helm, (bytes) => {
      const manifest = JSON.parse(bytes.toString("utf8"));
      manifest.config.mediaType = "application/vnd.cncf.helm.config.v1+json";
      return Buffer.from(JSON.stringify(manifest));
    });
    expectCleanError(await portcullis(["scan", `oci:${helm}:chart`]), `oci:${helm}:chart`, /helm/);
  });

  it("fails cleanly when the registry has no such image", async () => {
    const image = `${registry.host}/missing/image:1`;
    expectCleanError(await portcullis(["scan", image]), image, /not found|unknown/i);
  });

  it("fails cleanly when nothing listens at the registry address", async () => {
    const image = "127.0.0.1:1/app:1";
    expectCleanError(await portcullis(["scan", image]), image, /./);
  });

  it("limits the scan to OS or library packages with --pkg-types, always naming the OS", async () => {
    const osOnly = JSON.parse(
      (await portcullis(["scan", `oci:${layout}:18.04`, "-f", "json", "--pkg-types", "os"])).stdout,
    );
    expect(osOnly.packages).toHaveLength(89);
    const libraries = await portcullis([
      "scan",
      `oci:${layout}:18.04`,
      "-f",
      "json",
      "--pkg-types",
      "library",
    ]);
    const report = JSON.parse(libraries.stdout);
    expect(report.packages).toEqual([]);
    expect(report.os.family).toBe("ubuntu");
    const bad = await portcullis(["scan", `oci:${layout}:18.04`, "--pkg-types", "os,kernel"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/os, library/);
  });

  it("rejects an unknown output format", async () => {
    const result = await portcullis(["scan", `oci:${layout}:18.04`, "--format", "xml"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/xml/);
  });

  it("rejects an invalid reference", async () => {
    const image = "UPPER/Case:tag!";
    const result = await portcullis(["scan", image]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`portcullis: ${image}: `);
  });
});
