import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RegistryAuthError } from "../../lib/errors.js";
import { openImageSource } from "../../lib/image/open-image-source.js";
import { dockerConfigCredentials } from "../../lib/image/registry/docker-config.js";
import { MemoryLayerCache } from "../../lib/layers/layer-cache.js";
import type { ScanReport } from "../../lib/report/scan-report.js";
import { scanImage } from "../../lib/scan.js";
import { writeMultiPlatformLayout, writeOciLayout } from "../helpers/oci-builder.js";
import { startRegistry, type TestRegistry } from "../helpers/registry.js";
import {
  alpineSample,
  debianPythonSample,
  distrolessSample,
  type SampleImage,
  ubuntuSample,
} from "../helpers/sample-images.js";
import { skopeoCopy } from "../helpers/skopeo.js";

/**
 * The pipeline end to end: images built from real package databases, pushed with skopeo to the
 * real distribution registry (anonymous, htpasswd and token auth), scanned by reference, and the
 * same images scanned as OCI layout and docker archive with identical results.
 */
let work: string;
let anonymous: TestRegistry;
let ubuntu: SampleImage;
let ubuntuLayout: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "portcullis-e2e-"));
  anonymous = await startRegistry();
  ubuntu = await ubuntuSample("gzip");
  ubuntuLayout = join(work, "ubuntu");
  await writeOciLayout(ubuntuLayout, { layers: ubuntu.layers, tag: "18.04" });
});

afterAll(async () => {
  await anonymous?.stop();
  await rm(work, { recursive: true, force: true });
});

async function scan(spec: string, options: Parameters<typeof openImageSource>[1] = {}, platform?: string) {
  const source = await openImageSource(spec, options);
  const [os, architecture] = (platform ?? "linux/amd64").split("/") as [string, string];
  return scanImage(source, platform ? { platform: { os, architecture } } : {});
}

/** What must be equal whatever the transport: packages with their provenance, and the OS. */
function inventoryOf(report: ScanReport) {
  return {
    os: report.os,
    packages: report.packages.map((p) => ({
      name: p.name,
      version: p.version,
      source: p.source,
      arch: p.arch,
      layerIndex: p.layer.index,
      diffID: p.layer.diffID,
      foundIn: p.foundIn,
    })),
    diffIDs: report.artifact.layers.map((l) => l.diffID),
    warnings: report.warnings,
  };
}

function assertUbuntuInventory(report: ScanReport): void {
  expect(report.os).toMatchObject({
    family: "ubuntu",
    versionId: "18.04",
    codename: "bionic",
    release: "18.04",
    eolDate: "2023-05-31",
    eol: true,
  });
  const found = report.packages.map((p) => `${p.name}@${p.version}`).sort();
  expect(found).toEqual([...ubuntu.expectedPackages].sort());
  for (const removed of ubuntu.removedPackages) expect(found).not.toContain(removed);
  // The three packages added by the "apt-get install" layer are attributed to it.
  const layerOf = (name: string) => report.packages.find((p) => p.name === name)?.layer.index;
  expect(layerOf("libustr-1.0-1")).toBe(1);
  expect(layerOf("git")).toBeUndefined(); // its stanza says "deinstall ok config-files"
  expect(layerOf("libsmartcols1")).toBe(1);
  expect(layerOf("bash")).toBe(0);
  expect(report.warnings).toEqual([]);
}

describe("scan by reference from a real registry", () => {
  it("OCI manifest with gzip layers", async () => {
    await skopeoCopy(`oci:${ubuntuLayout}:18.04`, `docker://${anonymous.host}/e2e/ubuntu:oci`, {
      format: "oci",
    });
    const report = await scan(`${anonymous.host}/e2e/ubuntu:oci`);
    assertUbuntuInventory(report);
    expect(report.artifact.source).toBe("registry");
    expect(report.artifact.mediaType).toBe("application/vnd.oci.image.manifest.v1+json");
    expect(report.artifact.layers.map((l) => l.compression)).toEqual(["gzip", "gzip", "gzip"]);
  });

  it("Docker v2 schema 2 manifest", async () => {
    await skopeoCopy(`oci:${ubuntuLayout}:18.04`, `docker://${anonymous.host}/e2e/ubuntu:v2s2`, {
      format: "v2s2",
    });
    const report = await scan(`${anonymous.host}/e2e/ubuntu:v2s2`);
    assertUbuntuInventory(report);
    expect(report.artifact.mediaType).toBe("application/vnd.docker.distribution.manifest.v2+json");
  });

  it("zstd layers", async () => {
    const sample = await ubuntuSample("zstd");
    const layout = join(work, "ubuntu-zstd");
    await writeOciLayout(layout, { layers: sample.layers, tag: "t" });
    await skopeoCopy(`oci:${layout}:t`, `docker://${anonymous.host}/e2e/ubuntu:zstd`);
    const report = await scan(`${anonymous.host}/e2e/ubuntu:zstd`);
    assertUbuntuInventory(report);
    expect(report.artifact.layers.map((l) => l.compression)).toEqual(["zstd", "zstd", "zstd"]);
  });

  it("uncompressed layers (skopeo would compress them on push, so from the layout)", async () => {
    const sample = await ubuntuSample("none");
    const layout = join(work, "ubuntu-none");
    await writeOciLayout(layout, { layers: sample.layers, tag: "t" });
    const report = await scan(`oci:${layout}:t`);
    assertUbuntuInventory(report);
    expect(report.artifact.layers.map((l) => l.compression)).toEqual(["none", "none", "none"]);
  });

  it("by digest, and the same inventory as the OCI layout and the docker archive", async () => {
    const byTag = await scan(`${anonymous.host}/e2e/ubuntu:oci`);
    const byDigest = await scan(`${anonymous.host}/e2e/ubuntu@${byTag.artifact.digest}`);
    const layout = await scan(`oci:${ubuntuLayout}:18.04`);
    const archiveFile = join(work, "ubuntu.tar");
    await skopeoCopy(`oci:${ubuntuLayout}:18.04`, `docker-archive:${archiveFile}:e2e/ubuntu:18.04`);
    const archive = await scan(`docker-archive:${archiveFile}`);

    expect(byDigest.artifact.digest).toBe(byTag.artifact.digest);
    expect(layout.artifact.digest).toBe(byTag.artifact.digest);
    expect(archive.artifact.source).toBe("docker-archive");
    assertUbuntuInventory(archive);
    for (const other of [byDigest, layout, archive]) expect(inventoryOf(other)).toEqual(inventoryOf(byTag));
  });

  it("picks the requested platform from a multi-platform index", async () => {
    const alpine = await alpineSample();
    const layout = join(work, "multi");
    await writeMultiPlatformLayout(
      layout,
      [
        { platform: { os: "linux", architecture: "amd64" }, layers: ubuntu.layers },
        { platform: { os: "linux", architecture: "arm64", variant: "v8" }, layers: alpine.layers },
      ],
      "multi",
      { attestations: true },
    );
    await skopeoCopy(`oci:${layout}:multi`, `docker://${anonymous.host}/e2e/multi:1`, { all: true });

    const arm = await scan(`${anonymous.host}/e2e/multi:1`, {}, "linux/arm64");
    expect(arm.artifact.platform).toMatchObject({ os: "linux", architecture: "arm64" });
    expect(arm.artifact.indexDigest).toMatch(/^sha256:/);
    expect(arm.os).toMatchObject({ family: "alpine", versionId: "3.18.4" });
    expect(arm.packages.map((p) => `${p.name}@${p.version}`).sort()).toEqual(
      [...alpine.expectedPackages].sort(),
    );
    expect(arm.packages.every((p) => p.ecosystem === "apk")).toBe(true);

    const amd = await scan(`${anonymous.host}/e2e/multi:1`);
    assertUbuntuInventory(amd);
  });

  it("reuses cached layer results on a second scan", async () => {
    const cache = new MemoryLayerCache();
    const source = await openImageSource(`${anonymous.host}/e2e/ubuntu:oci`);
    const first = await scanImage(source, { layerCache: cache });
    const second = await scanImage(source, { layerCache: cache });
    expect(first.artifact.layers.map((l) => l.cached)).toEqual([false, false, false]);
    expect(second.artifact.layers.map((l) => l.cached)).toEqual([true, true, true]);
    expect(inventoryOf(second)).toEqual(inventoryOf(first));
  });
});

describe("distroless images", () => {
  it("tells Debian 11 from the base-files package when no release file exists", async () => {
    const sample = await distrolessSample();
    const layout = join(work, "distroless");
    await writeOciLayout(layout, {
      layers: sample.layers,
      tag: "nonroot",
      platform: { os: "linux", architecture: "arm64" },
    });
    const report = await scan(`oci:${layout}:nonroot`);
    expect(report.os).toMatchObject({
      family: "debian",
      release: "11",
      eol: true,
      detectedFrom: "package base-files 11.1+deb11u8",
    });
    expect(report.packages.map((p) => `${p.name}@${p.version}`).sort()).toEqual(sample.expectedPackages);
    expect(report.packages.find((p) => p.name === "libsqlite3-0")?.source).toEqual({
      name: "sqlite3",
      version: "3.34.1-3",
    });
  });
});

describe("language packages installed by OS packages", () => {
  it("marks the egg-info that python3-requests installed, not the pip-installed one", async () => {
    const sample = await debianPythonSample();
    const layout = join(work, "debian-python");
    await writeOciLayout(layout, { layers: sample.layers, tag: "t" });
    const report = await scan(`oci:${layout}:t`);
    expect(report.packages.map((p) => `${p.name}@${p.version}`).sort()).toEqual(sample.expectedPackages);
    const requests = report.packages.find((p) => p.name === "requests");
    expect(requests?.ownedBy).toEqual({
      ecosystem: "deb",
      name: "python3-requests",
      version: "2.28.1+dfsg-1",
    });
    expect(requests?.purl).toBe("pkg:pypi/requests@2.28.1");
    expect(report.packages.find((p) => p.name === "six")?.ownedBy).toBeUndefined();
    expect(report.packages.find((p) => p.name === "python3-requests")?.purl).toBe(
      "pkg:deb/debian/python3-requests@2.28.1+dfsg-1?arch=all&distro=debian-12",
    );
  });
});

describe.each(["htpasswd", "token"] as const)("a registry with %s auth", (auth) => {
  let registry: TestRegistry;
  let configDir: string;

  beforeAll(async () => {
    registry = await startRegistry({ auth });
    await skopeoCopy(`oci:${ubuntuLayout}:18.04`, `docker://${registry.host}/private/ubuntu:18.04`, {
      creds: `${registry.username}:${registry.password}`,
    });
    configDir = join(work, `docker-config-${auth}`);
    await mkdir(configDir, { recursive: true });
    const auth64 = Buffer.from(`${registry.username}:${registry.password}`).toString("base64");
    await writeFile(
      join(configDir, "config.json"),
      JSON.stringify({ auths: { [registry.host]: { auth: auth64 } } }),
    );
  });

  afterAll(async () => {
    await registry?.stop();
  });

  it("scans with credentials from a docker config.json", async () => {
    const report = await scan(`${registry.host}/private/ubuntu:18.04`, {
      credentials: dockerConfigCredentials({ configDir }),
    });
    assertUbuntuInventory(report);
  });

  it("fails with a clear auth error without credentials", async () => {
    await expect(scan(`${registry.host}/private/ubuntu:18.04`)).rejects.toBeInstanceOf(RegistryAuthError);
  });
});
