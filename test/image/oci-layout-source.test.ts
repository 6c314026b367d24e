import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DigestMismatchError, LimitExceededError, SourceError } from "../../lib/errors.js";
import { MediaType } from "../../lib/image/media-types.js";
import { openOciLayout } from "../../lib/image/oci-layout-source.js";
import { resolveImage } from "../../lib/image/resolve.js";
import { type BuiltLayer, buildLayer, writeOciLayout } from "../helpers/oci-builder.js";
import { readAll } from "../helpers/streams.js";

const run = promisify(execFile);
let tmp: string;
let layerA: BuiltLayer;
let layerB: BuiltLayer;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), "oci-layout-"));
  layerA = await buildLayer([{ path: "etc/os-release", content: "ID=alpine\n" }], "gzip");
  layerB = await buildLayer([{ path: "app/main.js", content: "console.log(1)" }], "zstd");
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const sha = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

async function layoutWith(name: string, ...tags: string[]): Promise<string> {
  const dir = path.join(tmp, name);
  for (const [i, tag] of tags.entries()) {
    await writeOciLayout(dir, { layers: i % 2 === 0 ? [layerA, layerB] : [layerB], tag });
  }
  return dir;
}

describe("openOciLayout", () => {
  it("opens a tagged image, returns verified manifest bytes and streams blobs", async () => {
    const dir = path.join(tmp, "basic");
    const written = await writeOciLayout(dir, { layers: [layerA, layerB], tag: "v1" });
    const source = await openOciLayout(dir, "v1");
    expect(source.kind).toBe("oci-layout");
    expect(source.name).toBe(`oci:${dir}:v1`);

    const top = await source.fetchManifest();
    expect(top.digest).toBe(written.manifestDigest);
    expect(sha(top.bytes)).toBe(written.manifestDigest);
    expect(top.mediaType).toBe(MediaType.ociManifest);

    const byDigest = await source.fetchManifest(written.manifestDigest);
    expect(byDigest.bytes.equals(top.bytes)).toBe(true);

    const blob = await readAll(
      await source.openBlob({ mediaType: layerB.mediaType, digest: layerB.digest, size: 0 }),
    );
    expect(blob.equals(layerB.blob)).toBe(true);

    const image = await resolveImage(source);
    expect(image.manifestDigest).toBe(written.manifestDigest);
    expect(image.configDigest).toBe(written.configDigest);
    expect(image.config.rootfs.diff_ids).toEqual([layerA.diffID, layerB.diffID]);
  });

  it("uses the only image when no selector is given", async () => {
    const dir = await layoutWith("single", "only");
    const source = await openOciLayout(dir);
    expect(source.name).toBe(`oci:${dir}`);
    expect((await resolveImage(source)).manifest.layers).toHaveLength(2);
  });

  it("asks for a tag when the layout holds several images, listing them", async () => {
    const dir = await layoutWith("several", "v1", "v2", "example.com/app:3.0");
    const err = await openOciLayout(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceError);
    expect((err as Error).message).toMatch(/holds 3 images/);
    expect((err as Error).message).toContain("v1, v2, example.com/app:3.0");

    const missing = await openOciLayout(dir, "v9").catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(SourceError);
    expect((missing as Error).message).toMatch(/no image tagged "v9".*v1, v2/);
  });

  it("selects by tag, full name:tag, digest, @digest and @index", async () => {
    const dir = await layoutWith("select", "v1", "v2", "example.com/app:3.0");
    const index = JSON.parse(await readFile(path.join(dir, "index.json"), "utf8"));
    const [d1, d2, d3] = index.manifests.map((d: { digest: string }) => d.digest);
    const digestOf = async (selector: string) =>
      (await (await openOciLayout(dir, selector)).fetchManifest()).digest;
    expect(await digestOf("v2")).toBe(d2);
    expect(await digestOf("example.com/app:3.0")).toBe(d3);
    expect(await digestOf("3.0")).toBe(d3);
    expect(await digestOf(d1)).toBe(d1);
    expect(await digestOf(`@${d2}`)).toBe(d2);
    expect(await digestOf("@2")).toBe(d3);
    await expect(openOciLayout(dir, "@7")).rejects.toThrow(SourceError);
  });

  it("reads layouts written by skopeo, which stores the full name in ref.name", async () => {
    const src = await layoutWith("skopeo-src", "v1");
    const dst = path.join(tmp, "skopeo-dst");
    await run("skopeo", [
      "--insecure-policy",
      "copy",
      "-q",
      `oci:${src}:v1`,
      `oci:${dst}:registry.local:5000/team/app:1.2`,
    ]);
    const raw = JSON.parse(await readFile(path.join(dst, "index.json"), "utf8"));
    expect(raw.manifests[0].annotations["org.opencontainers.image.ref.name"]).toBe(
      "registry.local:5000/team/app:1.2",
    );
    for (const selector of ["1.2", "registry.local:5000/team/app:1.2"]) {
      const image = await resolveImage(await openOciLayout(dst, selector));
      expect(image.config.rootfs.diff_ids).toEqual([layerA.diffID, layerB.diffID]);
    }
    // The port is not a tag.
    await expect(openOciLayout(dst, "5000/team/app:1.2")).rejects.toThrow(SourceError);
  });

  it("rejects an ambiguous short tag", async () => {
    const dir = await layoutWith("ambiguous", "a.io/x:1", "b.io/y:1");
    await expect(openOciLayout(dir, "1")).rejects.toThrow(/matches 2 different images/);
  });

  it("reports a missing directory, a file instead of a directory and a missing oci-layout", async () => {
    await expect(openOciLayout(path.join(tmp, "nope"))).rejects.toThrow(/directory .* not found/);
    const file = path.join(tmp, "file.tar");
    await writeFile(file, "x");
    await expect(openOciLayout(file)).rejects.toThrow(/not a directory/);
    const empty = path.join(tmp, "empty");
    await mkdir(empty);
    const err = await openOciLayout(empty).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceError);
    expect((err as Error).message).toMatch(/oci-layout not found \(not an OCI image layout\?\)/);
  });

  it("rejects a bad oci-layout version and truncated or garbage index.json", async () => {
    const dir = await layoutWith("broken", "v1");
    const indexPath = path.join(dir, "index.json");
    const good = await readFile(indexPath);

    await writeFile(path.join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "2.0.0" }));
    await expect(openOciLayout(dir)).rejects.toThrow(/imageLayoutVersion "2.0.0"/);
    await writeFile(path.join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));

    await writeFile(indexPath, good.subarray(0, good.length - 20));
    await expect(openOciLayout(dir)).rejects.toThrow(/not valid JSON/);
    await writeFile(indexPath, Buffer.from([0xff, 0x00, 0x13, 0x37]));
    await expect(openOciLayout(dir)).rejects.toThrow(SourceError);
    await writeFile(indexPath, JSON.stringify({ schemaVersion: 2, manifests: "nope" }));
    await expect(openOciLayout(dir)).rejects.toThrow(/invalid index.json: manifests/);
    await writeFile(indexPath, JSON.stringify({ schemaVersion: 2, manifests: [] }));
    await expect(openOciLayout(dir)).rejects.toThrow(/lists no images/);
  });

  it("caps JSON files at 4 MiB", async () => {
    const dir = await layoutWith("huge", "v1");
    await truncate(path.join(dir, "index.json"), 4 * 1024 * 1024 + 1);
    await expect(openOciLayout(dir)).rejects.toThrow(LimitExceededError);
  });

  it("never turns a digest into a path outside the layout", async () => {
    const dir = await layoutWith("traversal", "v1");
    const indexPath = path.join(dir, "index.json");
    const index = JSON.parse(await readFile(indexPath, "utf8"));
    index.manifests[0].digest = "sha256:../../../../etc/passwd";
    await writeFile(indexPath, JSON.stringify(index));
    await expect(openOciLayout(dir)).rejects.toThrow(/invalid index.json: manifests\[0\]\.digest/);

    const ok = await openOciLayout(await layoutWith("traversal-ok", "v1"));
    await expect(ok.fetchManifest("sha256:../../../../etc/passwd")).rejects.toThrow(/invalid digest/);
    await expect(ok.fetchManifest(`sha256:${"A".repeat(64)}`)).rejects.toThrow(/invalid digest/);
    await expect(ok.openBlob({ mediaType: "x", digest: "../../etc/passwd", size: 1 })).rejects.toThrow(
      SourceError,
    );
    await expect(openOciLayout(dir, "sha256:../../x")).rejects.toThrow(/invalid digest/);
  });

  it("reports missing blobs as SourceError and corrupt manifests as DigestMismatchError", async () => {
    const dir = path.join(tmp, "missing-blobs");
    const written = await writeOciLayout(dir, { layers: [layerA], tag: "v1" });
    const source = await openOciLayout(dir, "v1");
    await expect(
      source.openBlob({ mediaType: "x", digest: `sha256:${"0".repeat(64)}`, size: 1 }),
    ).rejects.toThrow(/blob sha256:0{64} not found/);
    await expect(openOciLayout(dir, `sha256:${"1".repeat(64)}`)).rejects.toThrow(/no manifest/);

    const manifestFile = path.join(dir, "blobs/sha256", written.manifestDigest.slice(7));
    await writeFile(manifestFile, "{}");
    await expect(source.fetchManifest()).rejects.toThrow(DigestMismatchError);
    await rm(manifestFile);
    await expect(source.fetchManifest()).rejects.toThrow(/not found/);
  });
});
