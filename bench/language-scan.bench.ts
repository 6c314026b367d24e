import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type AddFile, generateImage, makeCorpus, mulberry32 } from "./generate-image.js";
import { MiB, median, timeNode, timeShell } from "./measure.js";

/**
 * Issue 4 target: one layer holding a 200 MiB node_modules tree (thousands of packages) and 50 MiB
 * of jars; language analysis may add at most 30% to the layer walk time (the same scan with only
 * the OS analyzers), and the raw `gzip -dc | tar -t` baseline is printed alongside.
 */
const root = fileURLToPath(new URL("..", import.meta.url));
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const NODE_MODULES_BYTES = 200 * MiB;
const JAR_BYTES = 50 * MiB;

export async function benchLanguageScan(): Promise<void> {
  const seed = 7;
  const corpus = makeCorpus(mulberry32(seed), 16 * MiB);
  const image = await generateImage({
    dir: join(root, "bench/.cache/language-layer"),
    stamp: { nodeModules: NODE_MODULES_BYTES, jars: JAR_BYTES, seed, v: 1 },
    layers: [
      async (add) => {
        const random = mulberry32(seed);
        const packages = await addNodeModules(add, corpus, random);
        const jars = await addJars(add, corpus, random);
        console.log(`generated: ${packages} npm packages, ${jars} jars`);
      },
    ],
  });

  const cli = join(root, "dist/cli/main.js");
  const scanArgs = [
    cli,
    "scan",
    `oci:${image.dir}:${image.tag}`,
    "--no-cache",
    "--no-progress",
    "-f",
    "json",
  ];
  const baselineCmd = image.layerFiles.map((f) => `gzip -dc < '${f}' | tar -t > /dev/null`).join(" && ");
  const baseline: number[] = [];
  const osOnly: number[] = [];
  const full: number[] = [];
  const rss: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    baseline.push((await timeShell(baselineCmd)).seconds);
    const walk = await timeNode([...scanArgs, "--pkg-types", "os", "-o", "/dev/null"]);
    osOnly.push(walk.seconds);
    const withLanguages = await timeNode([...scanArgs, "-o", "/dev/null"]);
    full.push(withLanguages.seconds);
    rss.push(walk.maxRssBytes ?? 0, withLanguages.maxRssBytes ?? 0);
  }
  const found = JSON.parse(
    execFileSync(process.execPath, [...scanArgs], { maxBuffer: 512 * MiB }).toString(),
  ) as {
    packages: Array<{ ecosystem: string }>;
  };
  const counts = new Map<string, number>();
  for (const p of found.packages) counts.set(p.ecosystem, (counts.get(p.ecosystem) ?? 0) + 1);

  const [b, w, f] = [median(baseline), median(osOnly), median(full)];
  const fmt = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(", ");
  console.log("## language analyzers (issue 4)");
  console.log(
    `layer: ${(image.uncompressedBytes / MiB).toFixed(0)} MiB uncompressed, ${(image.compressedBytes / MiB).toFixed(0)} MiB gzip`,
  );
  console.log(`packages found: ${[...counts].map(([e, n]) => `${e} ${n}`).join(", ")}`);
  console.log(`baseline gzip -dc | tar -t:        ${b.toFixed(2)} s (runs: ${fmt(baseline)})`);
  console.log(`scan, OS analyzers only (walk):    ${w.toFixed(2)} s (runs: ${fmt(osOnly)})`);
  console.log(`scan, all analyzers:               ${f.toFixed(2)} s (runs: ${fmt(full)})`);
  console.log(`peak RSS: ${(Math.max(...rss) / MiB).toFixed(0)} MiB`);
  console.log(`ratio all/walk: ${(f / w).toFixed(2)}x (target <= 1.30x)`);
  console.log(`ratio all/baseline: ${(f / b).toFixed(2)}x`);
}

/** Thousands of packages, nested and scoped, each with a real-shaped package.json and sources. */
async function addNodeModules(add: AddFile, corpus: Buffer, random: () => number): Promise<number> {
  let written = 0;
  let count = 0;
  while (written < NODE_MODULES_BYTES) {
    const name = `${random() < 0.2 ? `@scope${count % 17}/` : ""}pkg-${count}`;
    const parent =
      random() < 0.3 ? `app/node_modules/pkg-${Math.floor(random() * Math.max(1, count))}/` : "app/";
    const dir = `${parent}node_modules/${name}`;
    const manifest = Buffer.from(
      JSON.stringify(
        {
          name,
          version: `${Math.floor(random() * 10)}.${Math.floor(random() * 30)}.${Math.floor(random() * 50)}`,
          description: "A package generated for the Portcullis benchmark",
          main: "index.js",
          license: random() < 0.8 ? "MIT" : "Apache-2.0",
          repository: { type: "git", url: `git+https://example.invalid/${name}.git` },
          dependencies: { [`pkg-${Math.floor(random() * 1000)}`]: "^1.0.0" },
          scripts: { test: "node test.js" },
        },
        null,
        2,
      ),
    );
    await add(`${dir}/package.json`, manifest);
    written += manifest.length + 512;
    const files = 2 + Math.floor(random() * 8);
    for (let i = 0; i < files; i++) {
      const size = Math.floor(random() * 16 * 1024);
      const start = Math.floor(random() * (corpus.length - size));
      // A nested package.json that is not a package root: must not count.
      const file = i === 0 && random() < 0.05 ? "test/fixtures/package.json" : `lib/file${i}.js`;
      await add(`${dir}/${file}`, corpus.subarray(start, start + size));
      written += size + 512;
    }
    count += 1;
  }
  return count;
}

/** Real jars made with `zip`: pom.properties, MANIFEST.MF and class-like entries. */
async function addJars(add: AddFile, corpus: Buffer, random: () => number): Promise<number> {
  const work = await mkdtemp(join(tmpdir(), "portcullis-bench-jars-"));
  try {
    let written = 0;
    let count = 0;
    while (written < JAR_BYTES) {
      const artifact = `artifact${count}`;
      const version = `${1 + (count % 5)}.${count % 13}.0`;
      const dir = join(work, `jar${count}`);
      const files: Record<string, Buffer> = {
        "META-INF/MANIFEST.MF": Buffer.from(
          `Manifest-Version: 1.0\r\nImplementation-Title: ${artifact}\r\nImplementation-Version: ${version}\r\n\r\n`,
        ),
        [`META-INF/maven/org.example/${artifact}/pom.properties`]: Buffer.from(
          `#Generated by Maven\ngroupId=org.example\nartifactId=${artifact}\nversion=${version}\n`,
        ),
      };
      const classes = 20 + Math.floor(random() * 80);
      for (let i = 0; i < classes; i++) {
        const size = 1024 + Math.floor(random() * 12 * 1024);
        const start = Math.floor(random() * (corpus.length - size));
        files[`org/example/${artifact}/C${i}.class`] = corpus.subarray(start, start + size);
      }
      for (const [name, content] of Object.entries(files)) {
        await mkdir(dirname(join(dir, name)), { recursive: true });
        await writeFile(join(dir, name), content);
      }
      const jar = join(work, `${artifact}-${version}.jar`);
      execFileSync("zip", ["-q", "-r", jar, "."], { cwd: dir });
      const bytes = await readFile(jar);
      await add(`opt/app/lib/${artifact}-${version}.jar`, bytes);
      written += bytes.length + 512;
      count += 1;
    }
    return count;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
