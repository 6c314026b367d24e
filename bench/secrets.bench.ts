import { createReadStream } from "node:fs";
import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ANALYZERS } from "../lib/analyzers/index.js";
import type { Analyzer } from "../lib/analyzers/types.js";
import { secretsAnalyzer } from "../lib/checks/secrets/secrets-analyzer.js";
import { looksLikeText } from "../lib/checks/secrets/text-content.js";
import type { LayerResult } from "../lib/layers/layer-result.js";
import { DEFAULT_LAYER_LIMITS } from "../lib/layers/limits.js";
import { scanLayer } from "../lib/layers/scan-layer.js";
import { type AddFile, generateImage, mulberry32 } from "./generate-image.js";
import { MiB } from "./measure.js";

/**
 * Secrets issue target: one layer with 100 MiB of text files (config, source, logs, with a few
 * planted secrets) and 200 MiB of binaries (real ELF files of this machine, varied); scanning it
 * with the secrets analyzer may take at most 1.5x the same walk without it. Both in this process,
 * alternating, best of BENCH_RUNS.
 */
const root = fileURLToPath(new URL("..", import.meta.url));
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const TEXT_BYTES = 100 * MiB;
const BINARY_BYTES = 200 * MiB;
const TARGET = 1.5;

/** The text in the layer: real files of this machine (the target), or a keyword-dense stress mix. */
type Corpus = "real" | "dense";

export async function benchSecrets(): Promise<void> {
  const elves = await listElfFiles();
  console.log("## secret scanning");
  await benchCorpus("real", elves);
  await benchCorpus("dense", elves);
}

async function benchCorpus(corpus: Corpus, elves: string[]): Promise<void> {
  const seed = 11;
  const dir = join(root, `bench/.cache/secrets-layer-${corpus}`);
  let generated: number | undefined;
  const image = await generateImage({
    dir,
    stamp: { corpus, text: TEXT_BYTES, binaries: BINARY_BYTES, seed, elves: elves.length, v: 5 },
    layers: [
      async (add) => {
        const random = mulberry32(seed);
        const entries: Array<[string, Buffer, number | undefined]> = [];
        const collect: AddFile = async (name, content, mode) => {
          entries.push([name, content, mode]);
        };
        const text =
          corpus === "real" ? await addRealTextFiles(collect, random) : await addTextFiles(collect, random);
        const binaries = await addBinaries(collect, random, elves);
        // In path order, as docker and BuildKit write layers: text and binaries interleave.
        entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
        for (const [name, content, mode] of entries) await add(name, content, mode);
        generated = text.planted;
        console.log(
          `generated: ${text.files} text files (${text.planted} planted secrets), ${binaries} binaries`,
        );
      },
    ],
  });
  // The image is cached across runs; how many secrets it holds is kept beside it.
  const plantedFile = join(dir, "planted.json");
  if (generated !== undefined) await writeFile(plantedFile, JSON.stringify(generated));
  const planted = JSON.parse(await readFile(plantedFile, "utf8")) as number;
  const layerFile = image.layerFiles[0] as string;
  const diffID = await firstDiffID(image.dir);

  const timed = timedAnalyzer(secretsAnalyzer);
  const scan = (analyzers: readonly Analyzer[]) =>
    scanLayer({
      open: async () => createReadStream(layerFile, { highWaterMark: MiB }),
      digest: `sha256:${basename(layerFile)}`,
      diffID,
      analyzers,
      limits: DEFAULT_LAYER_LIMITS,
    });

  const walk: number[] = [];
  const withSecrets: number[] = [];
  let result: LayerResult | undefined;
  for (let i = 0; i < RUNS; i++) {
    walk.push(await seconds(() => scan(ANALYZERS)));
    timed.reset();
    withSecrets.push(
      await seconds(async () => {
        result = await scan([...ANALYZERS, timed.analyzer]);
      }),
    );
  }
  const found = (result?.paths ?? []).flatMap((p) =>
    p.type === "file" ? p.results.flatMap((r) => r.result.secrets ?? []) : [],
  );
  const rules = new Map<string, number>();
  for (const s of found) rules.set(s.ruleId, (rules.get(s.ruleId) ?? 0) + 1);

  const [w, s] = [Math.min(...walk), Math.min(...withSecrets)];
  const mib = image.uncompressedBytes / MiB;
  const fmt = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(", ");
  const what =
    corpus === "real"
      ? "real text files of this machine (C headers, Python, Perl, JavaScript)"
      : "keyword-dense generated text (stress case: a password/token/secret every few lines)";
  console.log(`### ${what}`);
  console.log(
    `layer: ${mib.toFixed(0)} MiB uncompressed (${(TEXT_BYTES / MiB).toFixed(0)} MiB text, ${(BINARY_BYTES / MiB).toFixed(0)} MiB binaries), ${(image.compressedBytes / MiB).toFixed(0)} MiB gzip`,
  );
  console.log(
    `secrets found: ${found.length} (planted ${planted}): ${[...rules].map(([r, n]) => `${r} ${n}`).join(", ")}`,
  );
  console.log(
    `walk, default analyzers:        ${w.toFixed(2)} s, ${(mib / w).toFixed(0)} MiB/s (runs: ${fmt(walk)})`,
  );
  console.log(
    `walk + secrets analyzer:        ${s.toFixed(2)} s, ${(mib / s).toFixed(0)} MiB/s (runs: ${fmt(withSecrets)})`,
  );
  console.log(
    `secrets analyze() in last run:  ${timed.seconds().toFixed(2)} s over ${timed.files()} files, ${(timed.bytes() / MiB).toFixed(0)} MiB (${(timed.bytes() / MiB / timed.seconds()).toFixed(0)} MiB/s)`,
  );
  const target = corpus === "real" ? ` (target <= ${TARGET.toFixed(2)}x)` : " (stress case, no target)";
  console.log(`ratio secrets/walk: ${(s / w).toFixed(2)}x${target}`);
}

async function seconds(run: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/** The analyzer, with the time its `analyze` calls take and the bytes they see. */
function timedAnalyzer(inner: Analyzer) {
  let nanos = 0n;
  let bytes = 0;
  let files = 0;
  const analyzer: Analyzer = {
    ...inner,
    required: (path, size, mode) => inner.required(path, size, mode),
    acceptsContent: (head) => inner.acceptsContent?.(head) ?? true,
    analyze(input) {
      const started = process.hrtime.bigint();
      try {
        return inner.analyze(input);
      } finally {
        nanos += process.hrtime.bigint() - started;
        bytes += input.bytes.length;
        files += 1;
      }
    },
  };
  return {
    analyzer,
    reset: () => {
      nanos = 0n;
      bytes = 0;
      files = 0;
    },
    seconds: () => Number(nanos) / 1e9,
    bytes: () => bytes,
    files: () => files,
  };
}

async function firstDiffID(dir: string): Promise<string> {
  const index = JSON.parse(await readFile(join(dir, "index.json"), "utf8"));
  const blob = (digest: string) =>
    readFile(join(dir, "blobs/sha256", digest.slice("sha256:".length)), "utf8");
  const manifest = JSON.parse(await blob(index.manifests[0].digest));
  const config = JSON.parse(await blob(manifest.config.digest));
  return config.rootfs.diff_ids[0];
}

// --- Text: config files, source code and logs ------------------------------------------------------

const WORDS = (
  "account agent alert api app archive audit backend batch bucket build cache catalog channel " +
  "client cluster config consumer context controller cron customer daemon data database deploy " +
  "device event export feature fetch file filter gateway handler health index invoice job key " +
  "ledger limit listener logger mailer manager message metric model monitor node order owner " +
  "partition payment pipeline policy pool producer profile queue quota record region registry " +
  "report request resource response retry route schedule schema search server service session " +
  "shard signal snapshot source storage stream subscriber task tenant thread timer topic trace " +
  "user validator version volume webhook worker"
).split(" ");

/** Planted secrets: one every PLANT_EVERY text files, cycling through these shapes. */
const PLANT_EVERY = 200;

function planted(n: number, random: () => number): string {
  const alnum = (len: number) =>
    Array.from(
      { length: len },
      () => "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"[Math.floor(random() * 57)],
    ).join("");
  switch (n % 4) {
    case 0:
      return `GITHUB_TOKEN=ghp_${alnum(36)}\n`;
    case 1:
      return `aws_access_key_id = AKIA${alnum(16)
        .toUpperCase()
        .replace(/[^A-Z2-7]/g, "Q")}\n`;
    case 2:
      return `DATABASE_URL=postgres://app:${alnum(20)}@db.internal:5432/app\n`;
    default:
      return `  client_secret: "${alnum(32)}"\n`;
  }
}

async function addTextFiles(add: AddFile, random: () => number): Promise<{ files: number; planted: number }> {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)] as T;
  const word = () => pick(WORDS);
  const ident = () => `${word()}${word()[0]?.toUpperCase()}${word().slice(1)}`;
  const generators: Array<[string, string, () => string]> = [
    [
      "etc",
      "yaml",
      () =>
        `${word()}:\n  ${word()}: ${Math.floor(random() * 10000)}\n  ${word()}_url: https://${word()}.internal/${word()}\n  ${word()}_enabled: ${random() < 0.5}\n  password_file: /run/secrets/${word()}\n  token: \${${word().toUpperCase()}_TOKEN}\n`,
    ],
    [
      "app/src",
      "js",
      () =>
        `export async function ${ident()}(req, res) {\n  const token = req.headers.authorization;\n  const ${ident()} = await ${word()}.${ident()}({ id: req.params.id, limit: ${Math.floor(random() * 100)} });\n  if (!${word()}) throw new Error("${word()} ${word()} not found");\n  return res.json({ ${word()}: ${word()}.${word()}, secret: undefined });\n}\n`,
    ],
    [
      "opt/service",
      "py",
      () =>
        `def ${word()}_${word()}(self, ${word()}, password=None):\n    """Return the ${word()} for the ${word()}."""\n    ${word()} = self.${word()}.get(${word()}, ${Math.floor(random() * 1000)})\n    return [${word()} for ${word()} in ${word()} if ${word()}.${word()} > ${Math.floor(random() * 50)}]\n\n`,
    ],
    [
      "srv/logs",
      "log",
      () =>
        `2026-01-${String(1 + Math.floor(random() * 28)).padStart(2, "0")}T${String(Math.floor(random() * 24)).padStart(2, "0")}:13:07.${Math.floor(random() * 1000)}Z INFO ${word()}-${word()} GET /api/v1/${word()}/${Math.floor(random() * 1e6)} 200 ${Math.floor(random() * 900)}ms user=${word()}${Math.floor(random() * 100)}${random() < 0.25 ? " token refreshed" : ""}\n`,
    ],
    [
      "etc/app",
      "conf",
      () =>
        `[${word()}]\n${word()}_host = ${word()}.svc.cluster.local\n${word()}_port = ${1024 + Math.floor(random() * 60000)}\n${word()}_timeout = ${Math.floor(random() * 60)}s\n\n`,
    ],
  ];
  const logs = generators.find(([, ext]) => ext === "log") as (typeof generators)[number];
  const others = generators.filter((g) => g !== logs);
  let written = 0;
  let files = 0;
  let count = 0;
  while (written < TEXT_BYTES) {
    // Logs are few but big; a few bundles and data files are big too; most files are small.
    const [dir, ext, chunk] = random() < 0.03 ? logs : pick(others);
    const big = ext === "log" || random() < 0.02;
    const target = big ? 64 * 1024 + random() * MiB : 512 + random() * 16 * 1024;
    const parts: string[] = [];
    let size = 0;
    if (files % PLANT_EVERY === 0) {
      const secret = planted(count++, random);
      parts.push(secret);
      size += secret.length;
    }
    while (size < target) {
      const part = chunk();
      parts.push(part);
      size += part.length;
    }
    const content = Buffer.from(parts.join(""));
    await add(`${dir}/${word()}-${files}/${word()}.${ext}`, content);
    written += content.length + 512;
    files += 1;
  }
  return { files, planted: count };
}

// --- Real text: headers, scripts and sources installed on this machine ------------------------------

/** Trees of real text on a Debian machine with build tools, and this repository's dependencies. */
const TEXT_SOURCES = ["/usr/include", "/usr/lib/python3", "/usr/share/perl", join(root, "node_modules")];

/**
 * Real files, round-robin over the sources so the mix does not depend on one language, under
 * application paths the allow-rules do not skip; a planted secret appended to every
 * PLANT_EVERY-th file.
 */
async function addRealTextFiles(
  add: AddFile,
  random: () => number,
): Promise<{ files: number; planted: number }> {
  const queues = await Promise.all(TEXT_SOURCES.map((dir) => listTextFiles(dir)));
  const prefixes = ["app", "opt/service", "srv/www", "usr/local/app"];
  let written = 0;
  let files = 0;
  let count = 0;
  for (let round = 0; written < TEXT_BYTES && queues.some((q) => round < q.length); round++) {
    for (const [q, queue] of queues.entries()) {
      const entry = queue[round];
      if (!entry || written >= TEXT_BYTES) continue;
      let content = await readFile(entry.path);
      if (!looksLikeText(content)) continue;
      if (files % PLANT_EVERY === 0) {
        content = Buffer.concat([content, Buffer.from(`\n${planted(count++, random)}`)]);
      }
      await add(`${prefixes[q]}/${entry.relative}`, content);
      written += content.length + 512;
      files += 1;
    }
  }
  return { files, planted: count };
}

async function listTextFiles(dir: string): Promise<Array<{ path: string; relative: string }>> {
  const out: Array<{ path: string; relative: string }> = [];
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const relative = path.slice(dir.length + 1);
    // Only what the scanner reads: no allow-listed paths (tests, docs), no binary names.
    if (!secretsAnalyzer.required(`app/${relative}`, 1)) continue;
    const info = await stat(path).catch(() => undefined);
    if (info && info.size > 0 && info.size <= 512 * 1024) out.push({ path, relative });
  }
  return out.sort((a, b) => a.relative.localeCompare(b.relative));
}

// --- Binaries: ELF executables and libraries of this machine ----------------------------------------

async function listElfFiles(): Promise<string[]> {
  const out: string[] = [];
  for (const dir of ["/usr/bin", "/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu"]) {
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names.sort()) {
      const path = join(dir, name);
      const info = await stat(path).catch(() => undefined);
      if (!info?.isFile() || info.size < 16 * 1024 || info.size > 32 * MiB) continue;
      const head = await readFile(path).then((b) => b.subarray(0, 4));
      if (head.toString("latin1") === "\x7fELF") out.push(path);
    }
  }
  return out;
}

/**
 * Real ELF files, each copy with a few bytes changed so repeats are distinct files; random
 * binary-like bytes when the machine has no ELF files to borrow.
 */
async function addBinaries(add: AddFile, random: () => number, elves: string[]): Promise<number> {
  let written = 0;
  let count = 0;
  while (written < BINARY_BYTES) {
    const source = elves.length > 0 ? elves[count % elves.length] : undefined;
    const bytes = source
      ? Buffer.from(await readFile(source))
      : Buffer.from(
          Array.from({ length: 256 * 1024 }, () => (random() < 0.4 ? 0 : Math.floor(random() * 256))),
        );
    for (let i = 0; i < 8; i++)
      bytes[64 + Math.floor(random() * (bytes.length - 64))] = Math.floor(random() * 256);
    const name = source ? basename(source) : `blob${count}`;
    const path = name.includes(".so")
      ? `usr/lib/x86_64-linux-gnu/${count}/${name}`
      : random() < 0.5
        ? `usr/bin/${count}-${name}`
        : `opt/app/bin/${count}-${name}`;
    await add(path, bytes, 0o755);
    written += bytes.length + 512;
    count += 1;
  }
  return count;
}
