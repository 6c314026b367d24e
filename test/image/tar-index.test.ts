import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LimitExceededError, SourceError } from "../../lib/errors.js";
import { normalizeMemberPath, openTarMember, readTarIndex } from "../../lib/image/tar-index.js";
import { buildTar } from "../helpers/oci-builder.js";
import { readAll } from "../helpers/streams.js";

const run = promisify(execFile);
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), "tar-index-"));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function writeTmp(name: string, bytes: Buffer): Promise<string> {
  const file = path.join(tmp, name);
  await writeFile(file, bytes);
  return file;
}

/** A raw 512-byte header, for record types tar-stream cannot write (GNU L/K, global PAX, base-256). */
function rawHeader(name: string, typeflag: string, size: number, opts: { base256?: boolean } = {}): Buffer {
  const h = Buffer.alloc(512);
  h.write(name.slice(0, 100), 0, "utf8");
  h.write("0000644\0", 100);
  h.write("0000000\0", 108);
  h.write("0000000\0", 116);
  if (opts.base256) {
    h[124] = 0x80;
    h.writeUIntBE(size, 124 + 12 - 6, 6);
  } else {
    h.write(`${size.toString(8).padStart(11, "0")}\0`, 124);
  }
  h.write("14551417400\0", 136);
  h.write(typeflag, 156);
  h.write("ustar\0", 257);
  h.write("00", 263);
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148);
  return h;
}

function padded(data: Buffer): Buffer {
  const pad = (512 - (data.length % 512)) % 512;
  return Buffer.concat([data, Buffer.alloc(pad)]);
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = body.length + 1;
  while (`${len}${body}`.length !== len) len = `${len}${body}`.length;
  return `${len}${body}`;
}

describe("readTarIndex", () => {
  it("indexes files, dirs, links and reads members without touching other data", async () => {
    const tar = await buildTar([
      { path: "./etc", type: "dir" },
      { path: "./etc/os-release", content: "ID=alpine\n" },
      { path: "bin/sh", type: "symlink", linkname: "/bin/busybox" },
      { path: "bin/ash", type: "link", linkname: "bin/sh" },
      { path: "big", content: Buffer.alloc(70_000, 0x61) },
      { path: "empty", content: "" },
    ]);
    const file = await writeTmp("basic.tar", tar);
    const index = await readTarIndex(file);
    expect([...index.keys()]).toEqual(["etc", "etc/os-release", "bin/sh", "bin/ash", "big", "empty"]);
    expect(index.get("etc")).toMatchObject({ type: "dir", size: 0 });
    expect(index.get("bin/sh")).toMatchObject({ type: "symlink", linkname: "/bin/busybox" });
    expect(index.get("bin/ash")).toMatchObject({ type: "link", linkname: "bin/sh" });
    const osRelease = index.get("etc/os-release");
    expect(osRelease).toMatchObject({ type: "file", size: 10 });
    if (!osRelease) throw new Error("missing");
    expect((await readAll(openTarMember(file, osRelease))).toString()).toBe("ID=alpine\n");
    const big = index.get("big");
    if (!big) throw new Error("missing");
    expect((await readAll(openTarMember(file, big))).equals(Buffer.alloc(70_000, 0x61))).toBe(true);
    const empty = index.get("empty");
    if (!empty) throw new Error("missing");
    expect((await readAll(openTarMember(file, empty))).length).toBe(0);
  });

  it("reads PAX paths (long names without slashes) and ustar prefixes (long names with slashes)", async () => {
    const paxName = "n".repeat(150);
    const prefixName = `${"dir/".repeat(30)}file.txt`;
    const longLink = `/${"t".repeat(200)}`;
    const tar = await buildTar([
      { path: paxName, content: "pax" },
      { path: prefixName, content: "prefix" },
      { path: "link", type: "symlink", linkname: longLink },
    ]);
    // tar-stream really wrote a PAX header ('x') for the first entry.
    expect(tar[156]).toBe("x".charCodeAt(0));
    const file = await writeTmp("long.tar", tar);
    const index = await readTarIndex(file);
    const pax = index.get(paxName);
    if (!pax) throw new Error("missing PAX entry");
    expect((await readAll(openTarMember(file, pax))).toString()).toBe("pax");
    const prefixed = index.get(prefixName);
    if (!prefixed) throw new Error("missing prefixed entry");
    expect((await readAll(openTarMember(file, prefixed))).toString()).toBe("prefix");
    expect(index.get("link")).toMatchObject({ type: "symlink", linkname: longLink });
    expect(index.has("PaxHeader")).toBe(false);
  });

  it("reads GNU long names and long links written by GNU tar", async () => {
    const root = path.join(tmp, "gnu-src");
    const longDir = "d".repeat(120);
    await mkdir(path.join(root, longDir), { recursive: true });
    await writeFile(path.join(root, longDir, "f".repeat(110)), "gnu");
    await symlink("x".repeat(150), path.join(root, "s"));
    const file = path.join(tmp, "gnu.tar");
    await run("tar", ["--format=gnu", "-cf", file, "-C", root, "."]);
    const raw = await readFile(file);
    expect(raw.includes(Buffer.from("././@LongLink"))).toBe(true);
    const index = await readTarIndex(file);
    const entry = index.get(`${longDir}/${"f".repeat(110)}`);
    if (!entry) throw new Error("missing GNU long name");
    expect((await readAll(openTarMember(file, entry))).toString()).toBe("gnu");
    expect(index.get("s")).toMatchObject({ type: "symlink", linkname: "x".repeat(150) });
  });

  it("reads archives written by GNU tar in POSIX (pax) format", async () => {
    const root = path.join(tmp, "pax-src");
    await mkdir(root, { recursive: true });
    const long = "p".repeat(180);
    await writeFile(path.join(root, long), "posix");
    const file = path.join(tmp, "posix.tar");
    await run("tar", ["--format=posix", "-cf", file, "-C", root, long]);
    const index = await readTarIndex(file);
    const entry = index.get(long);
    if (!entry) throw new Error("missing");
    expect((await readAll(openTarMember(file, entry))).toString()).toBe("posix");
  });

  it("handles hand-made GNU 'L'/'K', global PAX, PAX size and base-256 sizes", async () => {
    const longName = `deep/${"l".repeat(300)}`;
    const longTarget = "k".repeat(250);
    const global = Buffer.from(paxRecord("comment", "ignored"));
    const local = Buffer.from(paxRecord("size", "5") + paxRecord("path", "pax-sized"));
    const tar = Buffer.concat([
      rawHeader("pax_global_header", "g", global.length),
      padded(global),
      rawHeader("././@LongLink", "L", longName.length + 1),
      padded(Buffer.from(`${longName}\0`)),
      rawHeader("truncated-name", "0", 4),
      padded(Buffer.from("long")),
      rawHeader("././@LongLink", "K", longTarget.length),
      padded(Buffer.from(longTarget)),
      rawHeader("hl", "1", 0),
      rawHeader("PaxHeader", "x", local.length),
      padded(local),
      rawHeader("ignored-name", "0", 0),
      padded(Buffer.from("sized")),
      rawHeader("b256", "0", 3, { base256: true }),
      padded(Buffer.from("256")),
      Buffer.alloc(1024),
    ]);
    const file = await writeTmp("handmade.tar", tar);
    const index = await readTarIndex(file);
    expect([...index.keys()]).toEqual([longName, "hl", "pax-sized", "b256"]);
    expect(index.get("hl")).toMatchObject({ type: "link", linkname: longTarget });
    for (const [name, text] of [
      [longName, "long"],
      ["pax-sized", "sized"],
      ["b256", "256"],
    ] as const) {
      const entry = index.get(name);
      if (!entry) throw new Error(`missing ${name}`);
      expect((await readAll(openTarMember(file, entry))).toString()).toBe(text);
    }
  });

  it("keeps hostile member names as data: they are keys, never host paths", async () => {
    const tar = await buildTar([
      { path: "../evil", content: "e" },
      { path: "/abs/path", content: "a" },
      { path: "etc/.wh..wh..opq" },
      { path: "etc/.wh.passwd" },
    ]);
    const index = await readTarIndex(await writeTmp("hostile.tar", tar));
    expect([...index.keys()]).toEqual(["../evil", "abs/path", "etc/.wh..wh..opq", "etc/.wh.passwd"]);
  });

  it("lets a later member replace an earlier one with the same path", async () => {
    const tar = await buildTar([
      { path: "a", content: "first" },
      { path: "./a", content: "second!" },
    ]);
    const index = await readTarIndex(await writeTmp("dup.tar", tar));
    expect(index.size).toBe(1);
    expect(index.get("a")?.size).toBe(7);
  });

  it("tolerates a missing end-of-archive marker", async () => {
    const tar = await buildTar([{ path: "a", content: "x" }]);
    const file = await writeTmp("no-eof.tar", tar.subarray(0, 1024));
    expect([...(await readTarIndex(file)).keys()]).toEqual(["a"]);
  });

  it("rejects a corrupted header checksum", async () => {
    const tar = await buildTar([
      { path: "a", content: "x" },
      { path: "b", content: "y" },
    ]);
    const bad = Buffer.from(tar);
    bad[1024] = "c".charCodeAt(0); // Rename the second member without fixing the checksum.
    const file = await writeTmp("checksum.tar", bad);
    await expect(readTarIndex(file)).rejects.toThrow(SourceError);
    await expect(readTarIndex(file)).rejects.toThrow(/bad checksum/);
  });

  it("rejects truncated archives and non-tar files", async () => {
    const tar = await buildTar([{ path: "big", content: Buffer.alloc(5000, 1) }]);
    await expect(readTarIndex(await writeTmp("trunc-data.tar", tar.subarray(0, 2048)))).rejects.toThrow(
      /truncated/,
    );
    await expect(readTarIndex(await writeTmp("trunc-header.tar", tar.subarray(0, 300)))).rejects.toThrow(
      /truncated/,
    );
    await expect(readTarIndex(await writeTmp("json.tar", Buffer.from("{}".padEnd(600))))).rejects.toThrow(
      SourceError,
    );
  });

  it("reports a missing file as SourceError and caps member counts", async () => {
    await expect(readTarIndex(path.join(tmp, "nope.tar"))).rejects.toThrow(SourceError);
    const tar = await buildTar([{ path: "a" }, { path: "b" }, { path: "c" }]);
    await expect(readTarIndex(await writeTmp("many.tar", tar), { maxEntries: 2 })).rejects.toThrow(
      LimitExceededError,
    );
  });

  it("normalizes member paths", () => {
    expect(normalizeMemberPath("./a//b/")).toBe("a/b");
    expect(normalizeMemberPath("/etc/passwd")).toBe("etc/passwd");
    expect(normalizeMemberPath("../x")).toBe("../x");
  });
});
