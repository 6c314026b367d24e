import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { corpusLayer, generateImage, makeCorpus, mulberry32 } from "./generate-image.js";
import { MiB, median, timeNode, timeShell } from "./measure.js";

/**
 * Issue 2 target: scanning a ≥1 GiB image takes at most 1.25x `gzip -dc | tar -t` over the same
 * layers, with peak RSS under 256 MiB whatever the image size.
 */
const root = fileURLToPath(new URL("..", import.meta.url));
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

export async function benchImageScan(): Promise<void> {
  const statusFile = [
    "../shared/data/pkgdb/dpkg/claircore-texlive.status",
    "test/fixtures/pkgdb/dpkg/claircore-texlive.status",
  ]
    .map((p) => join(root, p))
    .find((p) => existsSync(p));
  const extraFiles: Record<string, Buffer> = {
    "etc/os-release": Buffer.from(
      'ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n',
    ),
  };
  if (statusFile) extraFiles["var/lib/dpkg/status"] = await readFile(statusFile);

  const seed = 1;
  const random = mulberry32(seed);
  const corpus = makeCorpus(random, 16 * MiB);
  const layers = Array.from({ length: 5 }, (_, i) =>
    corpusLayer(i, 230 * MiB, corpus, mulberry32(seed * 1000 + i)),
  );
  const first = layers[0];
  if (first) {
    layers[0] = async (add) => {
      for (const [name, content] of Object.entries(extraFiles)) await add(name, content);
      await first(add);
    };
  }
  const image = await generateImage({
    dir: join(root, "bench/.cache/image-1g"),
    stamp: { layers: 5, bytesPerLayer: 230 * MiB, seed, extra: Object.keys(extraFiles), v: 4 },
    layers,
  });
  const cli = join(root, "dist/cli/main.js");
  const baselineCmd = image.layerFiles.map((f) => `gzip -dc < '${f}' | tar -t > /dev/null`).join(" && ");

  const baseline: number[] = [];
  const scans: number[] = [];
  const serialScans: number[] = [];
  const rss: number[] = [];
  const scanArgs = [
    cli,
    "scan",
    `oci:${image.dir}:${image.tag}`,
    "--no-cache",
    "--no-progress",
    "-f",
    "json",
    "-o",
    "/dev/null",
  ];
  for (let i = 0; i < RUNS; i++) {
    baseline.push((await timeShell(baselineCmd)).seconds);
    const m = await timeNode(scanArgs);
    scans.push(m.seconds);
    rss.push(m.maxRssBytes ?? 0);
    // One layer at a time, like the sequential baseline: the engine's own speed, no parallelism.
    const serial = await timeNode([...scanArgs, "--parallel", "1"]);
    serialScans.push(serial.seconds);
    rss.push(serial.maxRssBytes ?? 0);
  }
  const scanTime = median(scans);
  const baseTime = median(baseline);
  const peak = Math.max(...rss);
  console.log("## image scan (issue 2)");
  console.log(
    `image: ${image.layerFiles.length} gzip layers, ${(image.uncompressedBytes / MiB).toFixed(0)} MiB uncompressed, ${(image.compressedBytes / MiB).toFixed(0)} MiB compressed`,
  );
  console.log(
    `baseline gzip -dc | tar -t: ${baseTime.toFixed(2)} s (runs: ${baseline.map((s) => s.toFixed(2)).join(", ")})`,
  );
  console.log(
    `portcullis scan:            ${scanTime.toFixed(2)} s (runs: ${scans.map((s) => s.toFixed(2)).join(", ")})`,
  );
  const serialTime = median(serialScans);
  console.log(
    `portcullis scan --parallel 1: ${serialTime.toFixed(2)} s (runs: ${serialScans.map((s) => s.toFixed(2)).join(", ")})`,
  );
  console.log(`throughput: ${(image.uncompressedBytes / MiB / scanTime).toFixed(0)} MiB/s uncompressed`);
  console.log(`peak RSS: ${(peak / MiB).toFixed(0)} MiB (target < 256 MiB)`);
  console.log(`ratio scan/baseline: ${(scanTime / baseTime).toFixed(2)}x (target <= 1.25x)`);
  console.log(`ratio scan --parallel 1/baseline: ${(serialTime / baseTime).toFixed(2)}x`);
}
