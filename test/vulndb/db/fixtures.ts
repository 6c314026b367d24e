import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Advisory, Enrichment } from "../../../lib/vulndb/advisory.js";
import { buildDatabase } from "../../../lib/vulndb/db/db-writer.js";

const fixtures = fileURLToPath(new URL("../../fixtures/vulndb/", import.meta.url));

export async function realAdvisories(): Promise<Advisory[]> {
  const out: Advisory[] = [];
  for (const file of ["go-sample.jsonl", "pypi-sample.jsonl", "crates-sample.jsonl"]) {
    const text = await readFile(join(fixtures, file), "utf8");
    for (const line of text.split("\n")) if (line) out.push(JSON.parse(line) as Advisory);
  }
  return out;
}

/** Hand-made records for what the real samples lack: distros, enrichment, odd PyPI spellings. */
export const madeAdvisories: Advisory[] = [
  {
    id: "DSA-5000-1",
    modified: "2024-01-02T00:00:00Z",
    aliases: ["CVE-2024-0001"],
    affected: [
      {
        package: { ecosystem: "Debian:12", name: "openssl" },
        ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "3.0.11-1~deb12u2" }] }],
      },
      { package: { ecosystem: "Debian:11", name: "openssl" } },
    ],
  },
  {
    id: "ALPINE-CVE-2024-0001",
    modified: "2024-01-03T00:00:00Z",
    upstream: ["CVE-2024-0001"],
    affected: [{ package: { ecosystem: "Alpine:v3.19", name: "openssl" } }],
  },
  {
    id: "GHSA-made-0001-0001",
    modified: "2024-01-04T00:00:00Z",
    aliases: ["CVE-2024-0002"],
    affected: [{ package: { ecosystem: "PyPI", name: "Zope.Interface_Extra" } }],
  },
  {
    id: "GHSA-made-0002-0002",
    modified: "2024-01-05T00:00:00Z",
    withdrawn: "2024-02-01T00:00:00Z",
    aliases: ["CVE-2024-0003"],
    affected: [{ package: { ecosystem: "npm", name: "left-pad" } }],
  },
];

export const madeEnrichment: Enrichment[] = [
  {
    cve: "CVE-2024-0001",
    nvdCvss: [{ type: "CVSS_V3", score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" }],
  },
  { cve: "CVE-2024-0001", kev: { dateAdded: "2024-01-10" } },
  { cve: "CVE-2024-0002", epss: { probability: 0.5, percentile: 0.9, date: "2024-01-11" } },
];

export const BUILT_AT = "2024-06-01T00:00:00.000Z";

export async function* allInput(): AsyncGenerator<Advisory | Enrichment> {
  yield* await realAdvisories();
  yield* madeAdvisories;
  yield* madeEnrichment;
}

export async function withTempDir<T>(use: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "portcullis-vulndb-"));
  try {
    return await use(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function buildFixtureDb(out: string, options: { blockSize?: number; pageSize?: number } = {}) {
  return buildDatabase(
    allInput(),
    out,
    {
      builtAt: BUILT_AT,
      sources: [
        { name: "osv-go", url: "https://vuln.go.dev", fetchedAt: "2024-05-31T00:00:00Z", records: 22 },
        { name: "osv-pypi", records: 76 },
        { name: "osv-crates", records: 21 },
        { name: "made", records: 4 },
      ],
    },
    // Small blocks and pages so the samples span many of both.
    { blockSize: 8 * 1024, pageSize: 512, ...options },
  );
}
