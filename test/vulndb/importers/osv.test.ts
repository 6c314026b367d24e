import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { importOsv, importSource, normalizeEcosystem } from "../../../lib/vulndb/importers/index.js";
import { buildZip } from "../../helpers/zip-builder.js";
import { advisoryFixture, collect } from "./collect.js";

const tmp = mkdtempSync(join(tmpdir(), "portcullis-osv-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function fixtureLines(name: string): string[] {
  return gunzipSync(readFileSync(advisoryFixture("osv", name)))
    .toString("utf8")
    .split("\n")
    .filter(Boolean);
}

describe("OSV JSON lines", () => {
  it("imports every Go record, withdrawn ones kept with `withdrawn` set", async () => {
    const { advisories, warnings, byId } = await collect(importOsv(advisoryFixture("osv", "go.jsonl.gz")));
    expect(warnings).toEqual([]);
    expect(advisories).toHaveLength(4291);
    expect(advisories.filter((a) => a.withdrawn)).toHaveLength(17);
    const gin = byId.get("GO-2020-0001");
    expect(gin?.aliases).toEqual(["CVE-2020-36567", "GHSA-6vm3-jj99-7229"]);
    expect(gin?.affected?.[0]?.package).toEqual({ name: "github.com/gin-gonic/gin", ecosystem: "Go" });
    expect(gin?.affected?.[0]?.ranges).toEqual([
      { type: "SEMVER", events: [{ introduced: "0" }, { fixed: "1.6.0" }] },
    ]);
    // Fields matching does not read are kept as published.
    expect(gin?.affected?.[0]?.ecosystem_specific).toMatchObject({
      imports: [{ path: "github.com/gin-gonic/gin" }],
    });
    expect(byId.get("GO-2022-0617")?.withdrawn).toBe("2024-08-21T16:25:56Z");
  });

  it("imports PyPI records with GIT and ECOSYSTEM ranges and explicit versions", async () => {
    const { advisories, warnings, byId } = await collect(importOsv(advisoryFixture("osv", "pypi.jsonl.gz")));
    expect(warnings).toEqual([]);
    expect(advisories).toHaveLength(2661);
    expect(advisories.filter((a) => a.withdrawn)).toHaveLength(10);
    const rec = byId.get("PYSEC-2021-335");
    expect(rec?.modified).toBe("2021-09-26T23:32:08.989778Z");
    expect(rec?.aliases).toEqual(["CVE-2021-32807", "GHSA-qcx9-j53g-ccgf"]);
    const affected = rec?.affected?.[0];
    expect(affected?.package).toEqual({
      name: "accesscontrol",
      ecosystem: "PyPI",
      purl: "pkg:pypi/accesscontrol",
    });
    expect(affected?.ranges?.map((r) => r.type)).toEqual(["GIT", "ECOSYSTEM"]);
    expect(affected?.ranges?.[1]?.events).toEqual([
      { introduced: "4.0" },
      { fixed: "4.3" },
      { introduced: "5.0" },
      { fixed: "5.2" },
    ]);
    expect(affected?.versions).toEqual(["4.0", "4.1", "4.2", "5.0", "5.1"]);
  });

  it("imports crates.io records", async () => {
    const { advisories, warnings, byId } = await collect(
      importOsv(advisoryFixture("osv", "crates.jsonl.gz")),
    );
    expect(warnings).toEqual([]);
    expect(advisories).toHaveLength(1206);
    expect(advisories.filter((a) => a.withdrawn)).toHaveLength(13);
    expect(byId.get("RUSTSEC-2016-0001")?.aliases).toEqual(["CVE-2016-10931", "GHSA-34p9-f4q3-c4r7"]);
    expect(byId.get("RUSTSEC-2016-0001")?.affected?.[0]?.package?.ecosystem).toBe("crates.io");
    expect(byId.get("RUSTSEC-2019-0031")?.withdrawn).toBe("2020-10-08T12:00:00Z");
  });

  it("skips malformed lines with a warning naming the line and keeps the rest", async () => {
    const lines = fixtureLines("crates.jsonl.gz").slice(0, 5);
    const noId = JSON.parse(lines[1] as string);
    delete noId.id;
    const badEvent = JSON.parse(lines[2] as string);
    badEvent.affected[0].ranges[0].events = [{ introduced: 0 }];
    const badType = JSON.parse(lines[3] as string);
    badType.affected[0].ranges[0].type = "SEMVER2";
    const path = join(tmp, "mixed.jsonl");
    writeFileSync(
      path,
      [
        lines[0],
        JSON.stringify(noId),
        JSON.stringify(badEvent),
        "{not json",
        "",
        JSON.stringify(badType),
        lines[4],
      ]
        .join("\r\n")
        .concat("\r\n"),
    );
    const { advisories, warnings } = await collect(importOsv(path));
    expect(advisories.map((a) => a.id)).toEqual([
      JSON.parse(lines[0] as string).id,
      JSON.parse(lines[4] as string).id,
    ]);
    expect(warnings).toHaveLength(4);
    expect(warnings[0]).toMatch(/mixed\.jsonl:2: skipped OSV record: id:/);
    expect(warnings[1]).toContain(`mixed.jsonl:3: skipped OSV record ${badEvent.id}`);
    expect(warnings[2]).toMatch(/mixed\.jsonl:4: skipped: not valid JSON/);
    expect(warnings[3]).toContain(`mixed.jsonl:6: skipped OSV record ${badType.id}`);
  });

  it("skips a line over the record cap without buffering it", async () => {
    const lines = fixtureLines("go.jsonl.gz").slice(0, 3);
    const path = join(tmp, "big.jsonl");
    writeFileSync(path, `${lines[0]}\n${"x".repeat(300_000)}\n${lines[1]}\n${lines[2]}`);
    const { advisories, warnings } = await collect(importOsv(path, { limits: { maxRecordBytes: 100_000 } }));
    expect(advisories.map((a) => a.id)).toEqual(lines.map((l) => JSON.parse(l).id));
    expect(warnings).toEqual([`${path}:2: skipped: line longer than 100000 bytes`]);
  });

  it("reports a truncated .jsonl.gz with a warning after the records read so far", async () => {
    const whole = readFileSync(advisoryFixture("osv", "crates.jsonl.gz"));
    const path = join(tmp, "truncated.jsonl.gz");
    writeFileSync(path, whole.subarray(0, Math.floor(whole.length / 2)));
    const { advisories, warnings } = await collect(importOsv(path));
    expect(advisories.length).toBeGreaterThan(100);
    expect(advisories.length).toBeLessThan(1206);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/truncated or corrupt/);
  });
});

describe("OSV files and directories", () => {
  it("imports the GHSA samples as a directory tree, in path order", async () => {
    const { advisories, warnings, byId } = await collect(importOsv(advisoryFixture("osv", "ghsa-sample")));
    expect(warnings).toEqual([]);
    expect(advisories).toHaveLength(43);
    expect(advisories[0]?.id).toBe("GHSA-28r2-q6m8-9hpx");
    const nuget = byId.get("GHSA-266m-wp2v-x7mq");
    expect(nuget?.aliases).toEqual(["CVE-2025-30399"]);
    expect(nuget?.affected?.[0]?.package).toMatchObject({
      ecosystem: "NuGet",
      name: "Microsoft.NetCore.App.Runtime.linux-arm",
    });
    const maven = byId.get("GHSA-32qq-m9fh-f74w");
    expect(maven?.affected?.map((a) => a.package?.name)).toEqual([
      "com.baomidou:mybatis-plus",
      "com.baomidou:mybatis-plus-copy",
    ]);
    expect(maven?.affected?.[1]?.ranges?.[0]?.events).toEqual([{ introduced: "0" }, { fixed: "3.5.0" }]);
    const ecosystems = new Set(advisories.flatMap((a) => a.affected?.map((x) => x.package?.ecosystem) ?? []));
    expect([...ecosystems].sort()).toEqual([
      "Go",
      "Maven",
      "NuGet",
      "Packagist",
      "SwiftURL",
      "crates.io",
      "npm",
    ]);
  });

  it("imports Ubuntu OSV records with their release-qualified ecosystems", async () => {
    const { advisories, warnings, byId } = await collect(importOsv(advisoryFixture("ubuntu-osv")));
    expect(warnings).toEqual([]);
    expect(advisories).toHaveLength(9);
    const usn = byId.get("USN-5614-1");
    expect(usn?.upstream).toEqual(["UBUNTU-CVE-2021-3782"]);
    expect(usn?.affected?.map((a) => a.package?.ecosystem)).toEqual([
      "Ubuntu:18.04:LTS",
      "Ubuntu:20.04:LTS",
      "Ubuntu:22.04:LTS",
    ]);
    const esm = byId.get("UBUNTU-CVE-2022-24823");
    expect(esm?.affected).toHaveLength(8);
    expect(esm?.affected?.[1]).toMatchObject({
      package: { ecosystem: "Ubuntu:Pro:16.04:LTS", name: "netty" },
      ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "1:4.0.34-1ubuntu0.1~esm2" }] }],
    });
  });

  it("imports YAML OSV as pypa publishes it, versions never turned into numbers", async () => {
    const record = JSON.parse(fixtureLines("pypi.jsonl.gz")[0] as string);
    const path = join(tmp, "PYSEC-2021-335.yaml");
    // Bare 4.0 / 5.1 in YAML would be floats (4, 5.1) under the default schema.
    writeFileSync(path, stringify(record).replace(/"(\d+\.\d+)"/g, "$1"));
    expect(readFileSync(path, "utf8")).toMatch(/- 4\.0\n/);
    const { advisories, warnings } = await collect(importOsv(path));
    expect(warnings).toEqual([]);
    expect(advisories).toEqual([record]);
  });

  it("normalises ecosystem spellings that differ in case, keeping the release suffix", async () => {
    const record = JSON.parse(fixtureLines("crates.jsonl.gz")[0] as string);
    record.affected[0].package.ecosystem = "CRATES.IO";
    const path = join(tmp, "case.json");
    writeFileSync(path, JSON.stringify([record]));
    const { advisories } = await collect(importOsv(path));
    expect(advisories[0]?.affected?.[0]?.package?.ecosystem).toBe("crates.io");
    expect(normalizeEcosystem("debian:12")).toBe("Debian:12");
    expect(normalizeEcosystem("pypi")).toBe("PyPI");
    expect(normalizeEcosystem("alpine:v3.19")).toBe("Alpine:v3.19");
    expect(normalizeEcosystem("Ubuntu:Pro:16.04:LTS")).toBe("Ubuntu:Pro:16.04:LTS");
    expect(normalizeEcosystem("RED HAT:enterprise_linux:9::appstream")).toBe(
      "Red Hat:enterprise_linux:9::appstream",
    );
    expect(normalizeEcosystem("Some New Ecosystem")).toBe("Some New Ecosystem");
  });

  it("warns about a broken file in a directory and imports the others", async () => {
    const dir = join(tmp, "dir");
    const lines = fixtureLines("go.jsonl.gz");
    rmSync(dir, { recursive: true, force: true });
    const { mkdirSync } = await import("node:fs");
    mkdirSync(join(dir, "nested"), { recursive: true });
    writeFileSync(join(dir, "a.json"), lines[0] as string);
    writeFileSync(join(dir, "nested", "b.json"), (lines[1] as string).slice(0, 50));
    writeFileSync(join(dir, "nested", "c.json"), lines[2] as string);
    writeFileSync(join(dir, "README.md"), "not an advisory");
    const { advisories, warnings } = await collect(importOsv(dir));
    expect(advisories.map((a) => a.id)).toEqual([
      JSON.parse(lines[0] as string).id,
      JSON.parse(lines[2] as string).id,
    ]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/nested\/b\.json: skipped: not valid JSON/);
  });
});

describe("OSV zip export", () => {
  it("reads one record per entry from an export built from real records", async () => {
    const lines = fixtureLines("pypi.jsonl.gz").slice(0, 50);
    const entries = lines.map((line) => ({ name: `${JSON.parse(line).id}.json`, data: line }));
    entries.push({ name: "PYSEC-bad.json", data: "{" });
    const path = join(tmp, "PyPI-all.zip");
    writeFileSync(path, buildZip(entries));
    const { advisories, warnings } = await collect(importSource(path));
    expect(advisories).toHaveLength(50);
    expect(advisories[0]?.id).toBe(JSON.parse(lines[0] as string).id);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/PyPI-all\.zip!PYSEC-bad\.json: skipped: not valid JSON/);
  });

  it("skips an entry over the record cap and warns on a file that is not a zip", async () => {
    const lines = fixtureLines("go.jsonl.gz").slice(0, 3);
    const path = join(tmp, "Go-all.zip");
    writeFileSync(
      path,
      buildZip([
        ...lines.map((data, i) => ({ name: `r${i}.json`, data })),
        { name: "big.json", data: "x".repeat(20_000) },
      ]),
    );
    const capped = await collect(importSource(path, { limits: { maxRecordBytes: 10_000 } }));
    expect(capped.advisories).toHaveLength(3);
    expect(capped.warnings).toEqual([
      expect.stringMatching(/big\.json: skipped: .*exceeds the cap of 10000/),
    ]);

    const notZip = join(tmp, "broken.zip");
    writeFileSync(notZip, gzipSync("not a zip"));
    const broken = await collect(importSource(notZip));
    expect(broken.advisories).toEqual([]);
    expect(broken.warnings).toEqual([expect.stringMatching(/not a readable zip archive/)]);
  });
});
