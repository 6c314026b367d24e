import { readFileSync } from "node:fs";
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { secretsAnalyzer } from "../../../lib/checks/secrets/secrets-analyzer.js";
import { DEFAULT_LAYER_LIMITS } from "../../../lib/layers/limits.js";
import { scanLayer } from "../../../lib/layers/scan-layer.js";
import { buildLayer } from "../../helpers/oci-builder.js";
import { expectedSecrets, listSamples, readSample } from "./samples.js";

const MiB = 1024 * 1024;
const ELF = readFileSync(process.execPath).subarray(0, 64 * 1024);
const GHP = "ghp_S0KAUgipONalW3Y754bmi4ezLnvJdjdMQPgO";

describe("secretsAnalyzer", () => {
  it("is sparse, versioned and capped", () => {
    expect(secretsAnalyzer.name).toBe("secrets");
    expect(secretsAnalyzer.version).toBe(1);
    expect(secretsAnalyzer.sparse).toBe(true);
    expect(secretsAnalyzer.maxFileSize).toBe(2 * MiB);
  });

  it("requires non-empty text-like files outside allowed paths, under the cap", () => {
    expect(secretsAnalyzer.required("app/.env", 120, 0o644)).toBe(true);
    expect(secretsAnalyzer.required("usr/local/bin/entrypoint", 4000, 0o755)).toBe(true);
    expect(secretsAnalyzer.required("app/.env", 0, 0o644)).toBe(false);
    expect(secretsAnalyzer.required("app/big.log", 2 * MiB + 1, 0o644)).toBe(false);
    expect(secretsAnalyzer.required("app/tests/keys/server.key", 1700)).toBe(false);
    expect(secretsAnalyzer.required("usr/share/doc/x/README", 1700)).toBe(false);
    for (const binary of [
      "usr/lib/x86_64-linux-gnu/libc.so.6",
      "usr/lib/libz.so",
      "app/logo.png",
      "app/lib/app.jar",
      "usr/lib/python3/__pycache__/a.cpython-311.pyc",
      "app/Main.class",
      "app/fonts/a.woff2",
      "var/cache/apt/archives/curl.deb",
      "tmp/a.rpm",
      "app/dump.tar.gz",
    ]) {
      expect(secretsAnalyzer.required(binary, 4000), binary).toBe(false);
    }
  });

  it("accepts text heads and refuses binary ones", () => {
    expect(secretsAnalyzer.acceptsContent?.(Buffer.from("DB_PASSWORD=x\n"))).toBe(true);
    expect(secretsAnalyzer.acceptsContent?.(Buffer.from("mot de passe: « é »\n\x1b[31mred\x1b[0m\n"))).toBe(
      true,
    );
    expect(secretsAnalyzer.acceptsContent?.(ELF)).toBe(false);
    expect(secretsAnalyzer.acceptsContent?.(gzipSync(Buffer.from("hello")))).toBe(false);
    expect(
      secretsAnalyzer.acceptsContent?.(Buffer.from("a\u0001b\u0002c\u0003d\u0004e\u0005", "latin1")),
    ).toBe(false);
  });

  it("finds masked secrets in text and nothing in binaries", () => {
    expect(secretsAnalyzer.analyze({ path: "app/.env", bytes: Buffer.from(`GH=${GHP}\n`) })).toEqual({
      secrets: [expect.objectContaining({ ruleId: "github-pat", line: 1, match: `ghp_${"*".repeat(32)}` })],
    });
    const binary = Buffer.concat([ELF, Buffer.from(`\n${GHP}\n`)]);
    expect(secretsAnalyzer.analyze({ path: "usr/bin/tool", bytes: binary })).toEqual({});
    expect(secretsAnalyzer.analyze({ path: "app/readme.txt", bytes: Buffer.from("nothing here\n") })).toEqual(
      {},
    );
  });

  it("never lets a clear secret value into its result", () => {
    const expected = expectedSecrets();
    let checked = 0;
    for (const name of listSamples("positive")) {
      const result = secretsAnalyzer.analyze({
        path: `app/${name}`,
        bytes: Buffer.from(readSample("positive", name)),
      });
      const json = JSON.stringify(result);
      expect(result.secrets?.length, name).toBe(expected[name]?.length);
      for (const { value } of expected[name] ?? []) {
        expect(json).not.toContain(value);
        // Nor a telling piece of it: any 12 characters past the 4 shown.
        for (let i = 4; i + 12 <= value.length; i += 12) expect(json).not.toContain(value.slice(i, i + 12));
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(30);
  });

  it("runs in the layer walk: reports secrets with their path, skips allowed paths and binaries", async () => {
    const layer = await buildLayer([
      { path: "app/.env", content: `GH=${GHP}\n` },
      { path: "app/tests/fixture.env", content: `GH=${GHP}\n` },
      { path: "usr/bin/tool", content: Buffer.concat([ELF, Buffer.from(GHP)]), mode: 0o755 },
      { path: "etc/ssh/ssh_host_ed25519_key", content: readSample("positive", "id_ed25519"), mode: 0o600 },
    ]);
    const result = await scanLayer({
      open: async () => Readable.from([layer.blob]),
      digest: layer.digest,
      diffID: layer.diffID,
      analyzers: [secretsAnalyzer],
      limits: DEFAULT_LAYER_LIMITS,
    });
    const found = result.paths.flatMap((p) =>
      p.type === "file"
        ? p.results.flatMap((r) => (r.result.secrets ?? []).map((s) => [p.path, s.ruleId]))
        : [],
    );
    expect(found).toEqual([
      ["app/.env", "github-pat"],
      ["etc/ssh/ssh_host_ed25519_key", "openssh-private-key"],
    ]);
    expect(JSON.stringify(result)).not.toContain(GHP);
  });
});
